using System.Globalization;

namespace TinyGpt;

/// <summary>What training a model would hold in memory, in bytes (float32 throughout).</summary>
public sealed record MemoryEstimate(long Parameters, long WeightBytes, long GradientBytes, long OptimizerBytes, long ActivationBytes)
{
    /// <summary>Everything together.</summary>
    public long TotalBytes => WeightBytes + GradientBytes + OptimizerBytes + ActivationBytes;

    /// <inheritdoc />
    public override string ToString() =>
        $"~{MemoryGuard.Format(TotalBytes)} ({Parameters:N0} parameters: weights {MemoryGuard.Format(WeightBytes)}, " +
        $"gradients {MemoryGuard.Format(GradientBytes)}, AdamW state {MemoryGuard.Format(OptimizerBytes)}, " +
        $"activations ~{MemoryGuard.Format(ActivationBytes)})";
}

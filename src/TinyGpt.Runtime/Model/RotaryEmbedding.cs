using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// The cosines and sines of a rotary position embedding, for every position up to a model's BlockSize:
/// position p and pair i of a head turn by the angle p · base^(−2i/headSize), as nanochat's
/// <c>_precompute_rotary_embeddings</c> (in float32; nanochat then rounds the tables to bfloat16).
/// Generated models with <c>Positions.Rotary</c> hold one, shared by every attention layer; it is no module,
/// so it adds nothing to the state dict.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly Dictionary<string, (Tensor Cos, Tensor Sin)> byDevice = new();

    /// <summary>Tables for heads of <paramref name="headSize"/> (even) and positions 0 … <paramref name="positions"/>−1.</summary>
    public RotaryEmbedding(int headSize, int positions, double ropeBase)
    {
        if (headSize < 2 || headSize % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(headSize), headSize, "Rotary embeddings need an even head size.");
        if (positions < 1)
            throw new ArgumentOutOfRangeException(nameof(positions), positions, "Rotary embeddings need at least one position.");
        if (!(ropeBase > 1) || double.IsInfinity(ropeBase))
            throw new ArgumentOutOfRangeException(nameof(ropeBase), ropeBase, "The rotary base must be a finite number above 1.");
        HeadSize = headSize;
        Positions = positions;
        Base = ropeBase;
        using var scope = NewDisposeScope();
        var channels = arange(0, headSize, 2, dtype: ScalarType.Float32);            // [hs/2] 0, 2, 4, …
        var inverseFrequency = 1.0f / pow(tensor((float)ropeBase), channels / headSize); // [hs/2]
        var t = arange(positions, dtype: ScalarType.Float32);                          // [positions]
        var angles = outer(t, inverseFrequency);                                      // [positions, hs/2]
        byDevice[CPU.ToString()] = (angles.cos().DetachFromDisposeScope(), angles.sin().DetachFromDisposeScope());
    }

    /// <summary>Width of the heads the tables are for.</summary>
    public int HeadSize { get; }

    /// <summary>Number of positions the tables hold.</summary>
    public int Positions { get; }

    /// <summary>The rotary base.</summary>
    public double Base { get; }

    /// <summary>
    /// Cosines and sines of positions <paramref name="start"/> … <paramref name="start"/>+<paramref name="length"/>−1,
    /// <c>[length, hs/2]</c> each, on <paramref name="device"/>.
    /// </summary>
    public (Tensor Cos, Tensor Sin) At(long start, long length, Device device)
    {
        if (start < 0 || length < 1 || start + length > Positions)
            throw new ArgumentOutOfRangeException(nameof(length),
                $"RotaryEmbedding holds positions 0 … {Positions - 1}; asked for {start} … {start + length - 1}.");
        var (cos, sin) = On(device);
        return (cos.narrow(0, start, length), sin.narrow(0, start, length));
    }

    private (Tensor Cos, Tensor Sin) On(Device device)
    {
        var key = device.ToString();
        lock (byDevice)
        {
            if (byDevice.TryGetValue(key, out var tables))
                return tables;
            var (cos, sin) = byDevice[CPU.ToString()];
            tables = (cos.to(device).DetachFromDisposeScope(), sin.to(device).DetachFromDisposeScope());
            byDevice[key] = tables;
            return tables;
        }
    }
}

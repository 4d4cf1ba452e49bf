using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// RMSNorm over the last dimension: <c>x · rsqrt(mean(x²) + eps)</c>, times a learned <see cref="weight"/>
/// when it has one, as PyTorch's <c>F.rms_norm</c> (which TorchSharp 0.107 lacks) with its default eps,
/// the float32 machine epsilon. Same shape in and out. nanochat's norms are parameter-free.
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    /// <summary>The float32 machine epsilon, 2⁻²³: <c>F.rms_norm</c>'s eps for float32 inputs.</summary>
    public const double Epsilon = 1.1920928955078125e-07;

    /// <summary>The learned scale <c>[size]</c> (initialized to ones), or null for a parameter-free norm.</summary>
    public readonly TorchSharp.Modules.Parameter? weight;

    /// <summary>An RMSNorm over a last dimension of <paramref name="size"/>, with a weight when <paramref name="learned"/>.</summary>
    public RmsNorm(long size, bool learned = true) : base(nameof(RmsNorm))
    {
        if (size < 1)
            throw new ArgumentOutOfRangeException(nameof(size), size, "RmsNorm needs a last dimension of at least 1.");
        if (!learned)
            return;
        weight = new TorchSharp.Modules.Parameter(ones(size));
        register_parameter(nameof(weight), weight);
    }

    /// <summary><c>x</c> <c>[..., size]</c> → <c>[..., size]</c>.</summary>
    public override Tensor forward(Tensor x)
    {
        using var meanSquare = x.square().mean([-1], keepdim: true);          // [..., 1]
        using var scale = (meanSquare + Epsilon).rsqrt_();                    // [..., 1]
        return weight is null ? x * scale : x * scale * weight;               // [..., size]
    }
}

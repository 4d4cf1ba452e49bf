using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// nanoGPT's <c>nn.Dropout</c>: while training, zeroes each element with probability <see cref="P"/>
/// and scales the rest by 1 / (1 − P); in eval mode, the identity. Same shape in and out.
/// </summary>
/// <remarks>
/// libtorch draws a CPU dropout mask with its serial Bernoulli sampler, element by element, and an
/// attention map of nanoGPT's shakespeare_char config holds 25 million elements, so dropout took a
/// large share of a training step. This module draws the mask in parallel chunks from xoshiro256**
/// streams, an order of magnitude faster, and applies it with a single multiplication (figures in bench/RESULTS.md).
/// The streams are seeded from the generator given at construction (a model passes its own
/// <see cref="LanguageModel.RandomGenerator"/>; without one, torch's default generator), so a seed and a
/// saved generator state reproduce the masks exactly. On the CPU, other dtypes draw a Bernoulli mask from
/// that generator; off the CPU, libtorch's own dropout runs on that device's default generator.
/// </remarks>
public sealed class FastDropout : nn.Module<Tensor, Tensor>
{
    private const long ChunkSize = 1 << 18;   // elements per stream: enough work per task, and a fixed split

    private readonly Generator? generator;

    /// <summary>
    /// A dropout layer zeroing with probability <paramref name="p"/> (0 ≤ p &lt; 1), its masks drawn from
    /// <paramref name="generator"/> (a CPU generator; null: torch's default one). The layer does not own it.
    /// </summary>
    public FastDropout(double p, Generator? generator = null) : base(nameof(FastDropout))
    {
        if (!(p >= 0 && p < 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout probability must be in [0, 1).");
        P = p;
        this.generator = generator;
    }

    /// <summary>The probability of zeroing an element while training.</summary>
    public double P { get; }

    /// <summary><paramref name="input"/> with dropout applied while training; unchanged in eval mode.</summary>
    public override Tensor forward(Tensor input)
    {
        if (!training || P == 0)
            return input.alias();
        var scale = 1.0 / (1.0 - P);
        if (input.device_type != DeviceType.CPU)
            return nn.functional.dropout(input, P, training: true);
        if (input.numel() > int.MaxValue || input.dtype is not (ScalarType.Float32 or ScalarType.BFloat16))
        {
            using var kept = empty_like(input).bernoulli_(1 - P, generator);
            return input * kept * scale;
        }
        // One multiplication by a mask of 0 and the scale: cheaper forward and backward than a bool mask
        // with where(), which takes a second pass. A scale bfloat16 cannot hold exactly (1/0.9) is applied after.
        var exact = input.dtype == ScalarType.Float32 || (BitConverter.SingleToUInt32Bits((float)scale) & 0xFFFF) == 0;
        using var mask = Mask(input.shape, P, input.dtype, exact ? scale : 1.0, generator);
        return exact ? input * mask : input * mask * scale;
    }

    /// <summary>
    /// A float32 or bfloat16 tensor of <paramref name="shape"/> holding <paramref name="kept"/> with
    /// probability 1 − <paramref name="p"/> and 0 otherwise. Draws one seed from <paramref name="generator"/>
    /// (null: torch's default generator).
    /// </summary>
    public static Tensor Mask(long[] shape, double p, ScalarType dtype, double kept = 1.0, Generator? generator = null)
    {
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16))
            throw new ArgumentException($"A dropout mask is float32 or bfloat16, not {dtype}.", nameof(dtype));
        var mask = empty(shape, dtype: dtype);
        var count = mask.numel();
        if (count == 0)
            return mask;
        var seed = (ulong)DeterministicRandom.SeedFrom(generator);
        // An element is dropped when a 32-bit draw falls below p·2³²: the probability is p to within 2⁻³².
        var threshold = (ulong)Math.Round(p * 4294967296.0);
        var keptBits = BitConverter.SingleToUInt32Bits((float)kept);
        var chunks = (count + ChunkSize - 1) / ChunkSize;
        Parallel.For(0, chunks, chunk =>
        {
            int start = (int)(chunk * ChunkSize), length = (int)Math.Min(ChunkSize, count - start);
            var random = new DeterministicRandom(unchecked((long)(seed ^ ((ulong)chunk * 0xD1B54A32D192ED03UL))));
            if (dtype == ScalarType.Float32)
                Fill(MemoryMarshal.Cast<byte, uint>(mask.bytes).Slice(start, length), random, threshold, keptBits);
            else
                Fill(MemoryMarshal.Cast<byte, ushort>(mask.bytes).Slice(start, length), random, threshold, (ushort)(keptBits >> 16));
        });
        return mask;
    }

    /// <summary>One chunk from its own stream (xoshiro256**), two elements per 64-bit draw: the bits of the kept value or of 0.</summary>
    private static void Fill<T>(Span<T> mask, DeterministicRandom random, ulong threshold, T kept) where T : unmanaged
    {
        for (var i = 0; i < mask.Length; i += 2)
        {
            var r = random.NextUInt64();
            mask[i] = (r & 0xFFFF_FFFF) >= threshold ? kept : default;
            if (i + 1 < mask.Length)
                mask[i + 1] = (r >> 32) >= threshold ? kept : default;
        }
    }
}

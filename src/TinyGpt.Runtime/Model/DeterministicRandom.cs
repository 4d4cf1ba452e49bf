namespace TinyGpt;

// The part without TorchSharp. The ONNX sampler package compiles this file too, so that a seed draws the same
// tokens there as in `Sampler`; declared without an access modifier here, it stays internal in that package, and
// DeterministicRandom.Torch.cs makes it public in the runtime.
sealed partial class DeterministicRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Seeds the state through SplitMix64, as the xoshiro authors recommend.</summary>
    public DeterministicRandom(long seed)
    {
        var x = unchecked((ulong)seed);
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>The generator's state; pass it to <see cref="FromState"/> to continue the sequence.</summary>
    public ulong[] State
    {
        get => [_s0, _s1, _s2, _s3];
        set
        {
            if (value.Length != 4 || value.All(v => v == 0))
                throw new ArgumentException("A xoshiro256** state is four numbers, not all zero.", nameof(value));
            (_s0, _s1, _s2, _s3) = (value[0], value[1], value[2], value[3]);
        }
    }

    /// <summary>A generator continuing from a saved <see cref="State"/>.</summary>
    public static DeterministicRandom FromState(ulong[] state) => new(0) { State = state };

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public long NextInt64(long maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        var bound = (ulong)maxExclusive;
        var limit = ulong.MaxValue - ulong.MaxValue % bound;   // reject the incomplete last block
        ulong r;
        do r = NextUInt64(); while (r >= limit);
        return (long)(r % bound);
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

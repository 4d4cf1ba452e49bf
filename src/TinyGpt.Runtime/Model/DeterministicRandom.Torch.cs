using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// A small seeded generator (xoshiro256**) whose whole state is four numbers, so a checkpoint
/// can store it and a resumed run draws exactly the batches the uninterrupted run would have.
/// </summary>
public sealed partial class DeterministicRandom
{
    /// <summary>A non-negative seed drawn from a libtorch generator (torch's default one when null), advancing it by one draw.</summary>
    public static long SeedFrom(Generator? generator = null)
    {
        using var seed = randint(long.MaxValue, [1], dtype: ScalarType.Int64, generator: generator);
        return seed.item<long>();
    }
}

using Xunit;
using static TorchSharp.torch;

namespace TinyGpt.Runtime.Tests;

public class BatchSamplerTests
{
    private static readonly long[] Data = [.. Enumerable.Range(0, 1000).Select(i => (long)i)];

    [Fact]
    public void Batches_are_windows_with_targets_shifted_by_one()
    {
        var sampler = new BatchSampler(Data, blockSize: 8, batchSize: 4, new DeterministicRandom(1));
        var (x, y) = sampler.Next();
        Assert.Equal([4L, 8], x.shape);
        Assert.Equal([4L, 8], y.shape);
        Assert.Equal(ScalarType.Int64, x.dtype);
        var xs = x.data<long>().ToArray();
        var ys = y.data<long>().ToArray();
        for (var b = 0; b < 4; b++)
            for (var t = 0; t < 8; t++)
            {
                Assert.Equal(xs[b * 8] + t, xs[b * 8 + t]);            // a contiguous window of the data
                Assert.Equal(xs[b * 8 + t] + 1, ys[b * 8 + t]);        // the next token
            }
    }

    [Fact]
    public void Same_seed_same_batches_and_tensors_do_not_share_the_buffer()
    {
        var a = new BatchSampler(Data, 8, 4, new DeterministicRandom(3));
        var b = new BatchSampler(Data, 8, 4, new DeterministicRandom(3));
        var (first, _) = a.Next();
        var firstValues = first.data<long>().ToArray();
        a.Next();                                                       // overwrite the reusable buffer
        Assert.Equal(firstValues, first.data<long>().ToArray());
        Assert.Equal(firstValues, b.Next().X.data<long>().ToArray());
    }

    [Fact]
    public void Random_state_continues_the_sequence()
    {
        var random = new DeterministicRandom(42);
        random.NextUInt64();
        var copy = DeterministicRandom.FromState(random.State);
        Assert.Equal(random.NextUInt64(), copy.NextUInt64());
        Assert.All(Enumerable.Range(0, 1000).Select(_ => random.NextInt64(7)), v => Assert.InRange(v, 0, 6));
    }

    [Fact]
    public void Every_window_start_can_be_drawn()
    {
        long[] data = [0, 1, 2, 3, 4];
        var sampler = new BatchSampler(data, blockSize: 3, batchSize: 1, new DeterministicRandom(5));
        var starts = Enumerable.Range(0, 200).Select(_ => sampler.Next().X.data<long>()[0]).Distinct().Order().ToArray();
        Assert.Equal([0L, 1], starts);   // windows of 4 tokens start at 0 or 1
    }
}

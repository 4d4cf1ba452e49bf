using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// Draws training batches: <c>BatchSize</c> random windows of <c>BlockSize + 1</c> tokens;
/// inputs are the first <c>BlockSize</c> tokens, targets the same window shifted by one.
/// Rows are copied into one reusable buffer that becomes a single tensor per batch.
/// </summary>
public sealed class BatchSampler
{
    private readonly long[] _tokens;
    private readonly long[] _x;
    private readonly long[] _y;

    /// <summary>Samples from <paramref name="tokens"/> with <paramref name="random"/> (whose state a checkpoint saves).</summary>
    public BatchSampler(long[] tokens, int blockSize, int batchSize, DeterministicRandom random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (tokens.Length < blockSize + 1)
            throw new TinyGptException($"{tokens.Length} tokens cannot hold one window of BlockSize + 1 = {blockSize + 1} tokens.");
        _tokens = tokens;
        BlockSize = blockSize;
        BatchSize = batchSize;
        Random = random;
        _x = new long[batchSize * blockSize];
        _y = new long[batchSize * blockSize];
    }

    /// <summary>Tokens per row.</summary>
    public int BlockSize { get; }

    /// <summary>Rows per batch.</summary>
    public int BatchSize { get; }

    /// <summary>The generator that picks window starts.</summary>
    public DeterministicRandom Random { get; }

    /// <summary>
    /// The next batch on <paramref name="device"/>: inputs and targets, both int64 <c>[BatchSize, BlockSize]</c>,
    /// with <c>y[b, t] == x[b, t + 1]</c>.
    /// </summary>
    public (Tensor X, Tensor Y) Next(Device? device = null)
    {
        var span = _tokens.Length - BlockSize;   // window starts 0 .. len - T - 1
        for (var b = 0; b < BatchSize; b++)
        {
            var start = (int)Random.NextInt64(span);
            _tokens.AsSpan(start, BlockSize).CopyTo(_x.AsSpan(b * BlockSize, BlockSize));
            _tokens.AsSpan(start + 1, BlockSize).CopyTo(_y.AsSpan(b * BlockSize, BlockSize));
        }
        long[] shape = [BatchSize, BlockSize];
        var x = tensor(_x, shape);                                  // [B, T] int64 (copied)
        var y = tensor(_y, shape);                                  // [B, T] int64 (copied)
        if (device is not null && device.type != DeviceType.CPU)
            return (x.to(device), y.to(device));
        return (x, y);
    }
}

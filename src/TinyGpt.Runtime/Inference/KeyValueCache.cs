using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// The keys and values every attention layer has computed so far, so that generating one more token
/// runs the model on that token alone instead of on the whole context. Each <c>[Gpt]</c> model
/// generates its own sealed subclass, <c>X.KvCache</c>, with the shapes fixed by its constants; its
/// cached <c>forward(idx, cache)</c> accepts only that type.
/// </summary>
/// <remarks>
/// Positions 0 … <see cref="Length"/>−1 are filled; the capacity is the model's BlockSize, because
/// position embeddings exist only up to there. Once a context outgrows BlockSize, the window of the
/// last BlockSize tokens starts at another token and every position changes, so the cache cannot be
/// extended: <see cref="CachedDecoder"/> clears it and refills it from the cropped window, which is
/// what keeps its output equal to nanoGPT's full recompute. The cache is for inference only (its
/// tensors never take part in autograd).
/// </remarks>
public abstract class KeyValueCache : IDisposable
{
    /// <summary>
    /// Allocates zeroed keys and values <c>[layers, batchSize, heads, capacity, headSize]</c>; <paramref name="heads"/>
    /// is the model's key/value heads (fewer than its query heads with grouped-query attention).
    /// </summary>
    protected KeyValueCache(int layers, long batchSize, int heads, int capacity, int headSize, ScalarType dtype, Device? device)
    {
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "A cache holds at least one sequence.");
        // The cache outlives the dispose scope of whichever step created it.
        Keys = zeros([layers, batchSize, heads, capacity, headSize], dtype, device).DetachFromDisposeScope();
        Values = zeros([layers, batchSize, heads, capacity, headSize], dtype, device).DetachFromDisposeScope();
    }

    /// <summary>Keys of every layer, <c>[Layers, B, KvHeads, BlockSize, hs]</c>; positions ≥ <see cref="Length"/> are stale.</summary>
    public Tensor Keys { get; }

    /// <summary>Values of every layer, <c>[Layers, B, KvHeads, BlockSize, hs]</c>; positions ≥ <see cref="Length"/> are stale.</summary>
    public Tensor Values { get; }

    /// <summary>Number of sequences B the cache holds.</summary>
    public long BatchSize => Keys.shape[1];

    /// <summary>Most positions the cache holds: the model's BlockSize.</summary>
    public int Capacity => (int)Keys.shape[3];

    /// <summary>Positions filled so far; the next token fed to the model gets this position.</summary>
    public int Length { get; private set; }

    /// <summary>Forgets every position (the memory is kept and overwritten).</summary>
    public void Clear() => Length = 0;

    /// <summary>
    /// Attention of <paramref name="q"/> over the cached positions and the new ones: stores the new keys
    /// <paramref name="k"/> and values <paramref name="v"/> of <paramref name="layer"/> at positions
    /// <see cref="Length"/> … <see cref="Length"/>+T−1 and returns <c>[B, nh, T, hs]</c>, each new
    /// position attending to every earlier position and itself. The generated attention calls it.
    /// </summary>
    /// <param name="layer">The block, 0 … Layers−1.</param>
    /// <param name="q">Queries of the new positions, <c>[B, nh, T, hs]</c>.</param>
    /// <param name="k">Keys of the new positions, <c>[B, KvHeads, T, hs]</c>; KvHeads divides nh.</param>
    /// <param name="v">Values of the new positions, <c>[B, KvHeads, T, hs]</c>.</param>
    public Tensor Attend(int layer, Tensor q, Tensor k, Tensor v)
    {
        // A model computing in bfloat16 hands its projections over in that dtype; the cache and its
        // attention stay in the cache's own dtype (float32), as libtorch's fused CPU attention is faster there.
        if (q.dtype != Keys.dtype)
        {
            using var query = q.to(Keys.dtype);
            return Attend(layer, query, k, v);
        }
        long t = q.shape[2], past = Length, total = past + t;
        if (total > Capacity)
            throw new InvalidOperationException(
                $"The KV cache holds {Capacity} positions (BlockSize); {past} are filled and {t} more do not fit. Clear it and feed the last {Capacity} tokens.");
        using var layerKeys = Keys.select(0, layer);                        // [B, nh, BlockSize, hs]
        using var layerValues = Values.select(0, layer);                    // [B, nh, BlockSize, hs]
        using (var slot = layerKeys.narrow(2, past, t)) slot.copy_(k);     // positions past … total-1
        using (var slot = layerValues.narrow(2, past, t)) slot.copy_(v);
        // Grouped-query attention: query head h reads key/value head h / (nh / KvHeads), as nanochat's repeat_kv.
        using var keys = RepeatKv(layerKeys.narrow(2, 0, total), q.shape[1]);       // [B, nh, total, hs]
        using var values = RepeatKv(layerValues.narrow(2, 0, total), q.shape[1]);   // [B, nh, total, hs]

        if (recorded is not null)
            return AttendRecording(layer, q, keys, values, past);

        // SDPA's is_causal mask is aligned to the top left (query i sees keys 0 … i), which is only right
        // when there are as many queries as keys. One new query is the newest position: it sees every
        // key, so it needs no mask. Several new queries after a filled prefix need the mask aligned to
        // the bottom right: query i sees keys 0 … past+i.
        if (t == 1)
            return nn.functional.scaled_dot_product_attention(q, keys, values);
        if (past == 0)
            return nn.functional.scaled_dot_product_attention(q, keys, values, is_casual: true);
        using var allowed = ones(t, total, dtype: ScalarType.Bool, device: q.device).tril(past);   // [T, total]
        return nn.functional.scaled_dot_product_attention(q, keys, values, attn_mask: allowed);
    }

    /// <summary>
    /// From now on, every <see cref="Attend"/> also keeps its attention weights, so that
    /// <see cref="TakeRecordedWeights"/> can return them; <see cref="AttentionMaps"/> uses this. Recording
    /// attends explicitly (softmax of the scaled scores, then the weighted sum), so the weights it keeps
    /// are exactly the ones the output was computed with.
    /// </summary>
    public void RecordWeights() => recorded ??= [];

    /// <summary>
    /// The weights recorded since <see cref="RecordWeights"/>, one tensor a layer in the order the layers
    /// attended, each <c>[B, nh, T, Length]</c> (float32); recording stops and the caller owns the tensors.
    /// </summary>
    public IReadOnlyList<Tensor> TakeRecordedWeights()
    {
        var weights = recorded ?? throw new InvalidOperationException("Call RecordWeights before attending.");
        recorded = null;
        return weights;
    }

    private List<Tensor>? recorded;

    private Tensor AttendRecording(int layer, Tensor q, Tensor keys, Tensor values, long past)
    {
        long t = q.shape[2], total = keys.shape[2];
        using var scope = NewDisposeScope();
        var scores = q.matmul(keys.transpose(-2, -1)) / Math.Sqrt(q.shape[3]);      // [B, nh, T, total]
        using var allowed = ones(t, total, dtype: ScalarType.Bool, device: q.device).tril(past); // query i sees keys ≤ past+i
        var weights = scores.masked_fill(allowed.logical_not(), double.NegativeInfinity)
            .softmax(-1, ScalarType.Float32);                                        // [B, nh, T, total]
        if (recorded!.Count != layer)
            throw new InvalidOperationException($"Recording expects layer {recorded.Count} next; layer {layer} attended.");
        recorded.Add(weights.DetachFromDisposeScope());
        return weights.to(values.dtype).matmul(values).MoveToOuterDisposeScope();  // [B, nh, T, hs]
    }

    /// <summary><paramref name="x"/> <c>[B, KvHeads, S, hs]</c> with each head repeated to <paramref name="heads"/> heads, in place order.</summary>
    private static Tensor RepeatKv(Tensor x, long heads)
    {
        var groups = heads / x.shape[1];
        if (groups == 1)
            return x;
        using (x)
            return x.repeat_interleave(groups, dim: 1);
    }

    /// <summary>Marks <paramref name="tokens"/> more positions as filled, after every layer has attended.</summary>
    public void Advance(long tokens) => Length += checked((int)tokens);

    /// <summary>Frees the keys and values.</summary>
    public void Dispose()
    {
        foreach (var weights in recorded ?? [])
            weights.Dispose();
        Keys.Dispose();
        Values.Dispose();
        GC.SuppressFinalize(this);
    }
}

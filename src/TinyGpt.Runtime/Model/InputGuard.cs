using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// The input checks of generated forward passes, kept here so that the generated code stays short: each throws an
/// <see cref="ArgumentException"/> on <c>idx</c> that names the method, the rule and what came in.
/// </summary>
public static class InputGuard
{
    /// <summary>Throws unless <paramref name="idx"/> is int64 <c>[B, T]</c> with 1 ≤ T ≤ <paramref name="blockSize"/>.</summary>
    /// <param name="idx">Token ids.</param>
    /// <param name="blockSize">The model's BlockSize.</param>
    /// <param name="where">The method, e.g. <c>BabyGpt.forward</c>.</param>
    /// <exception cref="ArgumentException">
    /// E.g. <c>BabyGpt.forward: idx must be int64 [B, T] with 1 ≤ T ≤ BlockSize (64); got int64 [8, 300]</c>.
    /// </exception>
    public static void Tokens(Tensor idx, int blockSize, string where)
    {
        if (idx.dtype != ScalarType.Int64 || idx.dim() != 2 || idx.shape[1] < 1 || idx.shape[1] > blockSize)
            throw new ArgumentException(
                $"{where}: idx must be int64 [B, T] with 1 ≤ T ≤ BlockSize ({blockSize}); got {Shapes.Describe(idx)}",
                nameof(idx));
    }

    /// <summary>
    /// Throws unless <paramref name="idx"/> is int64 <c>[B, T]</c> with B = <paramref name="cache"/>'s batch size and
    /// 1 ≤ T ≤ <paramref name="room"/>, the positions the cache has left.
    /// </summary>
    /// <exception cref="ArgumentException">The ids do not fit the cache.</exception>
    public static void CachedTokens(Tensor idx, KeyValueCache cache, int room, string where)
    {
        if (idx.dtype != ScalarType.Int64 || idx.dim() != 2 || idx.shape[0] != cache.BatchSize || idx.shape[1] < 1 || idx.shape[1] > room)
            throw new ArgumentException(
                $"{where}: idx must be int64 [B, T] with B = {cache.BatchSize} (the cache's) and 1 ≤ T ≤ BlockSize − cache.Length ({room}); got {Shapes.Describe(idx)}",
                nameof(idx));
    }

    /// <summary>
    /// <paramref name="cache"/> as the model's own cache type <typeparamref name="TCache"/>; throws when it is another
    /// model's, e.g. <c>BabyGpt.forward: the cache must be a BabyGpt.KvCache; got Demo.OtherGpt+KvCache</c>.
    /// </summary>
    /// <param name="cache">The cache handed to <c>ICachedLanguageModel.forward</c>.</param>
    /// <param name="where">The method, e.g. <c>BabyGpt.forward</c>.</param>
    /// <param name="expected">The cache type as the message names it, e.g. <c>BabyGpt.KvCache</c>.</param>
    /// <exception cref="ArgumentException">The cache is not a <typeparamref name="TCache"/>.</exception>
    public static TCache CacheOf<TCache>(KeyValueCache cache, string where, string expected) where TCache : KeyValueCache =>
        cache as TCache ?? throw new ArgumentException(
            $"{where}: the cache must be a {expected}; got {cache.GetType()}", nameof(cache));
}

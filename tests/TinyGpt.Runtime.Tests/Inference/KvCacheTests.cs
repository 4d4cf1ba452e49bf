using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TinyGpt.Runtime.Tests;

/// <summary>
/// Sampling with the KV cache must give exactly the tokens of the full recompute (nanoGPT's
/// <c>generate</c>: crop to BlockSize, run the whole window, read the last position), also once the
/// context has outgrown BlockSize and the cache is refilled from the shifted window.
/// </summary>
public class KvCacheTests
{
    [Fact]
    public void Cached_sampling_gives_the_full_recompute_tokens_past_BlockSize()
    {
        using var model = new CacheGpt(seed: 1234);
        long[] prompt = [3, 1, 4];
        const int newTokens = 3 * CacheGpt.BlockSize;                      // well past the window

        var full = SampleWithFullRecompute(model, prompt, newTokens, seed: 7, out var fullLogits);
        using var decoder = new CachedDecoder(model);
        var cachedLogits = new List<float[]>();
        var cached = decoder.Generate(prompt, newTokens, Chooser(seed: 7, cachedLogits));

        Assert.Equal(full, cached);
        for (var i = 0; i < newTokens; i++)
            Assert.True(MaxDifference(fullLogits[i], cachedLogits[i]) < 1e-4,
                $"step {i}: logits differ by {MaxDifference(fullLogits[i], cachedLogits[i])}");
        // One fill for the prompt, then one per token once the context is longer than BlockSize.
        Assert.Equal(1 + (prompt.Length + newTokens - 1 - CacheGpt.BlockSize), decoder.Refills);
    }

    [Fact]
    public void BFloat16_cached_sampling_gives_the_full_recompute_tokens()
    {
        using var model = new CacheBf16Gpt(seed: 1234);
        long[] prompt = [5];
        var full = SampleWithFullRecompute(model, prompt, 20, seed: 11, out _);
        using var decoder = new CachedDecoder(model);
        Assert.Equal(full, decoder.Generate(prompt, 20, Chooser(seed: 11, [])));
    }

    [Fact]
    public void Several_new_tokens_after_a_cached_prefix_see_the_prefix_and_each_other_causally()
    {
        using var model = new CacheGpt(seed: 1234);
        model.eval();
        using var noGrad = no_grad();
        long[] tokens = [2, 7, 1, 8, 2, 8, 1];
        using var cache = model.CreateCache();
        model.forward(tensor(tokens[..3], [1, 3]), cache).Dispose();      // fills positions 0 … 2
        using var last = model.forward(tensor(tokens[3..], [1, 4]), cache); // positions 3 … 6, bottom-right mask
        using var expected = model.forward(tensor(tokens, [1, tokens.Length]))[0, -1];
        Assert.True(last[0].allclose(expected, rtol: 1e-4, atol: 1e-5));
        Assert.Equal(tokens.Length, cache.Length);
    }

    [Fact]
    public void The_cache_is_shaped_by_the_model_and_refuses_a_token_past_BlockSize()
    {
        using var model = new CacheGpt(seed: 1234);
        using var cache = model.CreateCache(batchSize: 2);
        Assert.Equal([CacheGpt.Layers, 2, CacheGpt.Heads, CacheGpt.BlockSize, CacheGpt.HeadSize], cache.Keys.shape);
        Assert.Equal(ScalarType.Float32, cache.Values.dtype);
        using var bf16 = new CacheBf16Gpt(seed: 1234);
        using var bf16Cache = bf16.CreateCache();
        Assert.Equal(ScalarType.Float32, bf16Cache.Keys.dtype);                 // attention runs in float32 either way

        model.eval();
        model.forward(zeros([2, CacheGpt.BlockSize], ScalarType.Int64), cache).Dispose();
        var error = Assert.Throws<ArgumentException>(() => model.forward(zeros([2, 1], ScalarType.Int64), cache));
        Assert.StartsWith("CacheGpt.forward: idx must be int64 [B, T] with B = 2 (the cache's) and 1 ≤ T ≤ BlockSize − cache.Length (0); got int64 [2, 1]", error.Message);
    }


    /// <summary>What the runtime's Sampler does per token: the whole cropped context through forward, the last row.</summary>
    private static List<long> SampleWithFullRecompute(LanguageModel model, long[] prompt, int newTokens, int seed, out List<float[]> logits)
    {
        model.eval();
        var tokens = new List<long>(prompt);
        logits = [];
        var choose = Chooser(seed, logits);
        using var noGrad = no_grad();
        for (var i = 0; i < newTokens; i++)
        {
            using var scope = NewDisposeScope();
            var start = Math.Max(0, tokens.Count - model.Config.BlockSize);
            var context = tokens.GetRange(start, tokens.Count - start).ToArray();
            var row = model.forward(tensor(context, [1, context.Length]))[0, -1];
            tokens.Add(choose(row.data<float>().ToArray()));
        }
        return tokens;
    }

    /// <summary>A seeded draw from softmax(logits), recording the logits it saw.</summary>
    private static Func<float[], long> Chooser(int seed, List<float[]> seen)
    {
        var random = new Random(seed);
        return logits =>
        {
            seen.Add(logits);
            var max = logits.Max();
            var weights = logits.Select(l => Math.Exp(l - max)).ToArray();
            var target = random.NextDouble() * weights.Sum();
            for (var i = 0; i < weights.Length; i++)
                if ((target -= weights[i]) < 0)
                    return i;
            return weights.Length - 1;
        };
    }

    private static double MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
}

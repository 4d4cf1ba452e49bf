using System.Diagnostics;
using static TorchSharp.torch;

namespace TinyGpt.Bench;

/// <summary>Matmul peaks, sampling speed and memory, measured in this process.</summary>
internal static class Measurements
{
    /// <summary>Best GFLOP/s of an n×n×n matmul in <paramref name="dtype"/> (libtorch's CPU kernels), best of several.</summary>
    public static double MatmulPeak(ScalarType dtype, int n = 2048, int repeats = 6)
    {
        using var scope = NewDisposeScope();
        var a = randn(n, n).to(dtype);
        var b = randn(n, n).to(dtype);
        mm(a, b).Dispose();
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            var began = Stopwatch.GetTimestamp();
            mm(a, b).Dispose();
            best = Math.Min(best, Stopwatch.GetElapsedTime(began).TotalSeconds);
        }
        return 2.0 * n * n * n / best / 1e9;
    }

    /// <summary>A seeded draw from softmax(logits).</summary>
    public static Func<float[], long> Chooser(int seed)
    {
        var random = new Random(seed);
        return logits =>
        {
            var max = logits.Max();
            var weights = logits.Select(l => Math.Exp(l - max)).ToArray();
            var target = random.NextDouble() * weights.Sum();
            for (var i = 0; i < weights.Length; i++)
                if ((target -= weights[i]) < 0)
                    return i;
            return weights.Length - 1;
        };
    }

    /// <summary>
    /// Samples <paramref name="newTokens"/> tokens as TinyGpt's Sampler does, through <see cref="CachedDecoder"/>:
    /// with the KV cache, or (<paramref name="useCache"/> false) the whole context, cropped to BlockSize, through
    /// forward for every token, as nanoGPT's generate. Returns the tokens, per-token seconds and cache fills.
    /// </summary>
    public static (List<long> Tokens, double[] Seconds, int Refills) Sample(LanguageModel model, long[] prompt, int newTokens, int seed, bool useCache)
    {
        model.eval();
        var choose = Chooser(seed);
        var seconds = new double[newTokens];
        using var decoder = new CachedDecoder(model, useCache);
        var tokens = new List<long>(prompt);
        for (var i = 0; i < newTokens; i++)
        {
            var began = Stopwatch.GetTimestamp();
            tokens.Add(choose(decoder.NextTokenLogits(tokens)));
            seconds[i] = Stopwatch.GetElapsedTime(began).TotalSeconds;
        }
        return (tokens, seconds, decoder.Refills);
    }
}

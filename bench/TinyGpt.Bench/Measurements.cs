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
    /// The full-recompute sampler (what nanoGPT's generate and TinyGpt's Sampler do): the whole context, cropped to
    /// BlockSize, through forward for every new token; the last position's logits. Returns tokens and per-token seconds.
    /// </summary>
    public static (List<long> Tokens, double[] Seconds) SampleFullRecompute(LanguageModel model, long[] prompt, int newTokens, int seed)
    {
        model.eval();
        var choose = Chooser(seed);
        var tokens = new List<long>(prompt);
        var seconds = new double[newTokens];
        using var noGrad = no_grad();
        for (var i = 0; i < newTokens; i++)
        {
            var began = Stopwatch.GetTimestamp();
            using (NewDisposeScope())
            {
                var start = Math.Max(0, tokens.Count - model.Config.BlockSize);
                var context = tokens.GetRange(start, tokens.Count - start).ToArray();
                var logits = model.forward(tensor(context, [1, context.Length]))[0, -1].data<float>().ToArray();
                tokens.Add(choose(logits));
            }
            seconds[i] = Stopwatch.GetElapsedTime(began).TotalSeconds;
        }
        return (tokens, seconds);
    }

    /// <summary>The same draws with <see cref="CachedDecoder"/>.</summary>
    public static (List<long> Tokens, double[] Seconds, int Refills) SampleCached(LanguageModel model, long[] prompt, int newTokens, int seed)
    {
        model.eval();
        var choose = Chooser(seed);
        var seconds = new double[newTokens];
        using var decoder = new CachedDecoder(model);
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

using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TinyGpt.Runtime.Tests;

public class SamplerTests
{
    private static (TinyLm Model, CharTokenizer Tokenizer) Model()
    {
        var corpus = Tiny.Corpus();
        return (Tiny.Model(corpus), corpus.Tokenizer);
    }

    [Fact]
    public void Seeded_sampling_is_repeatable_and_streams_every_character()
    {
        var (model, tokenizer) = Model();
        var sampler = new Sampler(model, tokenizer);
        var options = new SamplingOptions { MaxNewTokens = 40, Seed = 5, NumSamples = 2, Temperature = 1.5 };
        var streamed = new[] { "", "" };
        var first = sampler.Generate(options, (i, text) => streamed[i] += text);
        var second = sampler.Generate(options);
        Assert.Equal(first, second);
        Assert.Equal(2, first.Count);
        Assert.NotEqual(first[0], first[1]);
        Assert.Equal(first[0], "\n" + streamed[0]);
        Assert.Equal(first[1], "\n" + streamed[1]);
        Assert.NotEqual(first, sampler.Generate(options with { Seed = 6 }));
    }

    [Fact]
    public void Top_k_one_is_greedy_argmax()
    {
        var (model, tokenizer) = Model();
        model.eval();
        var prompt = "the ";
        var tokens = tokenizer.Encode(prompt).ToList();
        using (no_grad())
            for (var i = 0; i < 30; i++)                                       // past BlockSize 16: the context is cropped
            {
                var context = tokens.Skip(Math.Max(0, tokens.Count - 16)).ToArray();
                var logits = model.forward(tensor(context, [1, context.Length]));
                tokens.Add(logits[0, -1].argmax().item<long>());
            }
        var greedy = tokenizer.Decode(tokens);
        var sampled = new Sampler(model, tokenizer).Generate(new SamplingOptions { Prompt = prompt, MaxNewTokens = 30, TopK = 1, Seed = 1 });
        var again = new Sampler(model, tokenizer).Generate(new SamplingOptions { Prompt = prompt, MaxNewTokens = 30, TopK = 1, Seed = 2 });
        Assert.Equal(greedy, sampled[0]);
        Assert.Equal(greedy, again[0]);
    }

    [Fact]
    public void Top_k_draws_only_among_the_k_largest()
    {
        float[] logits = [5, 1, 4, 0, 3];
        var random = new DeterministicRandom(3);
        var drawn = Enumerable.Range(0, 500).Select(_ => TokenChooser.Choose(logits, 1.0, 2, random)).Distinct().Order();
        Assert.Equal([0, 2], drawn);
    }

    /// <summary>How often each token is drawn from <paramref name="logits"/> in many seeded draws.</summary>
    private static double[] Frequencies(float[] logits, double temperature, int draws = 20_000)
    {
        var random = new DeterministicRandom(11);
        var counts = new double[logits.Length];
        for (var i = 0; i < draws; i++)
            counts[TokenChooser.Choose(logits, temperature, null, random)]++;
        return [.. counts.Select(c => c / draws)];
    }

    private static double[] Softmax(float[] logits, double temperature)
    {
        var e = logits.Select(l => Math.Exp(l / temperature)).ToArray();
        return [.. e.Select(x => x / e.Sum())];
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(2.0)]
    public void Draws_follow_the_softmax_of_the_logits_divided_by_the_temperature(double temperature)
    {
        float[] logits = [2, 1, 0, -1];
        var expected = Softmax(logits, temperature);
        var measured = Frequencies(logits, temperature);
        for (var i = 0; i < logits.Length; i++)
            Assert.True(Math.Abs(expected[i] - measured[i]) < 0.012, $"token {i}: p = {expected[i]:F4}, drawn {measured[i]:F4} at T = {temperature}");
    }

    [Fact]
    public void Low_temperature_is_nearly_greedy_and_high_temperature_nearly_uniform()
    {
        float[] logits = [2, 1, 0, -1];
        Assert.True(Frequencies(logits, 0.05)[0] > 0.999);                      // T → 0: the argmax (softmax at T = 1 gives it 0.64)
        Assert.All(Frequencies(logits, 100), p => Assert.InRange(p, 0.23, 0.27));  // T → ∞: every token alike
        var top = new[] { 0.05, 0.5, 1, 2, 100 }.Select(t => Frequencies(logits, t)[0]).ToArray();
        Assert.Equal(top.OrderDescending(), top);                               // the likeliest token loses share as T rises
    }

    [Fact]
    public void A_prompt_outside_the_vocabulary_is_named()
    {
        var (model, tokenizer) = Model();
        LibraryError.Assert(() => new Sampler(model, tokenizer).Generate(new SamplingOptions { Prompt = "the Q" }), "SamplingOptions.Prompt",
            $"SamplingOptions.Prompt: the character 'Q' (U+0051) at position 4 is not in the model's vocabulary of {tokenizer.VocabSize} characters; " +
            "remove it or train on a corpus that contains it.");
    }

    [Fact]
    public void The_bigram_baseline_samples_too()
    {
        var corpus = Tiny.Corpus();
        var model = new BigramLanguageModel(corpus.Tokenizer.VocabSize, seed: 1);
        var text = new Sampler(model, corpus.Tokenizer).Generate(new SamplingOptions { MaxNewTokens = 20 });
        Assert.Equal(21, text[0].Length);
    }
}

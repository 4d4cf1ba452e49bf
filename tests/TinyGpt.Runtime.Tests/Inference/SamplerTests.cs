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

    [Fact]
    public void A_prompt_outside_the_vocabulary_is_named()
    {
        var (model, tokenizer) = Model();
        var e = Assert.Throws<TinyGptException>(() => new Sampler(model, tokenizer).Generate(new SamplingOptions { Prompt = "the Q" }));
        Assert.Contains("'Q'", e.Message);
        Assert.Contains("position 4", e.Message);
    }

    [Fact]
    public void The_bigram_baseline_samples_too()
    {
        torch.random.manual_seed(1);
        var corpus = Tiny.Corpus();
        var model = new BigramLanguageModel(corpus.Tokenizer.VocabSize);
        var text = new Sampler(model, corpus.Tokenizer).Generate(new SamplingOptions { MaxNewTokens = 20 });
        Assert.Equal(21, text[0].Length);
    }
}

using Xunit;

namespace TinyGpt.Runtime.Tests;

public class SmokeTests
{
    [Fact]
    public void Bigram_trains_and_samples()
    {
        using var dir = new TempDir();
        var corpus = Corpus.Load();
        var model = new BigramLanguageModel(corpus.Tokenizer.VocabSize);
        var result = new Trainer(model, corpus, new TrainingOptions { Steps = 30, BatchSize = 8, EvalInterval = 10, EvalIters = 2, Device = "cpu", LearningRate = 1e-2 }, dir.Path).Train();
        Assert.Equal(30, result.Step);
        Assert.True(File.Exists(Path.Combine(dir.Path, "loss.png")));
        var checkpoint = Checkpoint.Open(dir.Path);
        var loaded = new BigramLanguageModel(corpus.Tokenizer.VocabSize);
        checkpoint.LoadWeights(loaded);
        var text = new Sampler(loaded, checkpoint.Tokenizer).Generate(new SamplingOptions { MaxNewTokens = 50 });
        Assert.Equal(51, text[0].Length);
    }
}

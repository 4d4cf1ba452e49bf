using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TinyGpt.Runtime.Tests;

[Gpt(Layers = 2, Heads = 2, Embd = 16, BlockSize = 16, VocabSize = 65, Dropout = 0.1)]
public partial class MicroGpt;

[Gpt(Layers = 4, Heads = 4, Embd = 128, BlockSize = 64)]
public partial class BabyShapedGpt;

/// <summary>The training stack on a generated nanoGPT module rather than a hand-written one.</summary>
public class GptModelTests
{
    private static MicroGpt Micro(long seed = 3)
    {
        torch.random.manual_seed(seed);
        return new MicroGpt();
    }

    [Fact]
    public void Parameter_count_matches_the_memory_estimate()
    {
        var baby = new BabyShapedGpt();
        var distinct = baby.DistinctParameters();
        Assert.Equal(MemoryGuard.CountParameters(baby.Config), distinct.Sum(p => p.numel()));
        Assert.Equal(804_096, distinct.Sum(p => p.numel()));
    }

    [Fact]
    public void A_generated_gpt_learns_saves_loads_and_samples()
    {
        using var dir = new TempDir();
        var corpus = Tiny.Corpus();
        var model = Micro();
        var result = new Trainer(model, corpus, Tiny.Options(steps: 30) with { EvalInterval = 10, EvalIters = 4 }, dir.Path).Train();
        Assert.True(result.Evaluations[^1].ValLoss < result.Evaluations[0].ValLoss - 0.5,
            $"val loss {result.Evaluations[0].ValLoss} -> {result.Evaluations[^1].ValLoss}");

        var checkpoint = Checkpoint.Open(dir.Path);
        Assert.Equal(nameof(MicroGpt), checkpoint.Metadata.ModelName);
        var loaded = Micro(seed: 99);
        checkpoint.LoadWeights(loaded);
        model.eval();
        loaded.eval();
        using var idx = tensor(corpus.Tokens[..32], [2, 16]);
        Assert.True(model.forward(idx).equal(loaded.forward(idx)).all().item<bool>());

        var options = new SamplingOptions { MaxNewTokens = 40, Seed = 9 };
        var text = new Sampler(loaded, checkpoint.Tokenizer).Generate(options);
        Assert.Equal(text, new Sampler(loaded, checkpoint.Tokenizer).Generate(options));
        Assert.Equal(41, text[0].Length);
    }

    [Fact]
    public void Resume_is_exact_for_a_generated_gpt_with_dropout()
    {
        var corpus = Tiny.Corpus();
        var options = Tiny.Options(12) with { EvalInterval = 3, EvalIters = 2 };
        using var whole = new TempDir();
        using var split = new TempDir();
        var all = new Trainer(Micro(), corpus, options, whole.Path).Train();
        using var cancel = new CancellationTokenSource();
        var first = new Trainer(Micro(), corpus, options, split.Path).Train(new SyncProgress(p => { if (p.Step == 5) cancel.Cancel(); }), cancel.Token);
        var second = new Trainer(Micro(seed: 42), corpus, options with { Resume = true }, split.Path).Train();
        Assert.Equal(all.StepLosses, first.StepLosses.Concat(second.StepLosses));
        Assert.Equal(all.Evaluations.Select(e => (e.Step, e.TrainLoss, e.ValLoss)), second.Evaluations.Select(e => (e.Step, e.TrainLoss, e.ValLoss)));
    }
}

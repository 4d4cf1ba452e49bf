using Xunit;

namespace TinyGpt.Runtime.Tests;

public class ResumeTests
{
    // Dropout on, so libtorch's generator state must be restored too, not only batches and AdamW.
    // The cosine ends at step 16 in every run: a shorter first run must follow the same schedule.
    private static TrainingOptions Options(int steps) => Tiny.Options(steps) with { EvalInterval = 4, EvalIters = 2, DecaySteps = 16 };

    private static (TrainingResult Result, string[] Log) Run(Corpus corpus, TempDir dir, int steps, bool resume, CancellationToken cancel = default, IProgress<TrainingProgress>? progress = null)
    {
        var model = Tiny.Model(corpus, dropout: 0.2, seed: resume ? 1234 : 7);   // a resumed model's init must not matter
        var result = new Trainer(model, corpus, Options(steps) with { Resume = resume }, dir.Path).Train(progress, cancel);
        return (result, LossColumns(dir));
    }

    /// <summary>step, train_loss, val_loss, lr of every log row (speed and wall time differ between runs).</summary>
    private static string[] LossColumns(TempDir dir) =>
        [.. File.ReadAllLines(dir.File("log.csv")).Select(l => string.Join(",", l.Split(',')[..4]))];

    [Fact]
    public void Twice_n_steps_equal_n_steps_then_n_resumed()
    {
        var corpus = Tiny.Corpus();
        using var whole = new TempDir();
        using var split = new TempDir();
        var (all, allLog) = Run(corpus, whole, 16, resume: false);
        var (first, _) = Run(corpus, split, 8, resume: false);
        var (second, splitLog) = Run(corpus, split, 16, resume: true);

        Assert.Equal(all.StepLosses, first.StepLosses.Concat(second.StepLosses));
        Assert.Equal(allLog, splitLog);
        Assert.Equal(16, second.Step);
        Assert.Equal(all.BestValLoss, second.BestValLoss);
    }

    [Fact]
    public void Cancelling_saves_a_checkpoint_and_resuming_continues_exactly()
    {
        var corpus = Tiny.Corpus();
        using var whole = new TempDir();
        using var split = new TempDir();
        var (all, allLog) = Run(corpus, whole, 16, resume: false);

        using var cancel = new CancellationTokenSource();
        var (interrupted, _) = Run(corpus, split, 16, resume: false, cancel.Token, new SyncProgress(p => { if (p.Step == 6) cancel.Cancel(); }));
        Assert.True(interrupted.Interrupted);
        Assert.Equal(6, interrupted.Step);
        Assert.Equal(6, Checkpoint.Open(split.Path).Metadata.Step);   // saved between evaluations

        var (resumed, splitLog) = Run(corpus, split, 16, resume: true);
        Assert.False(resumed.Interrupted);
        Assert.Equal(all.StepLosses, interrupted.StepLosses.Concat(resumed.StepLosses));
        Assert.Equal(allLog, splitLog);
    }

    [Fact]
    public void Resuming_without_a_checkpoint_or_with_another_corpus_is_refused()
    {
        var corpus = Tiny.Corpus();
        using var dir = new TempDir();
        var e = Assert.Throws<TinyGptException>(() => Run(corpus, dir, 8, resume: true));
        Assert.Contains("nothing to resume", e.Message);

        Run(corpus, dir, 4, resume: false);
        var other = Corpus.FromText(string.Concat(Enumerable.Repeat("the cat sat on the hat\n", 50)), "other");
        var model = new TinyLm(corpus.Tokenizer.VocabSize);
        var mismatch = Assert.Throws<TinyGptException>(() => new Trainer(model, other, Options(8) with { Resume = true }, dir.Path).Train());
        Assert.Contains("another alphabet", mismatch.Message);
    }
}

using Xunit;
using static TorchSharp.torch;

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
        LibraryError.Assert(() => new Trainer(model, other, Options(8) with { Resume = true }, dir.Path).Train(), "Trainer.Corpus", "another alphabet");
    }

    [Fact]
    public void A_fresh_start_over_a_run_is_refused_unless_overwriting()
    {
        var corpus = Tiny.Corpus();
        using var dir = new TempDir();
        Run(corpus, dir, 4, resume: false);
        var log = File.ReadAllText(dir.File("log.csv"));
        var e = LibraryError.Assert(() => Run(corpus, dir, 8, resume: false), "TrainingOptions.Overwrite",
            $"'{dir.Path}' already holds a run (TinyLm at step 4, val loss ");
        Assert.EndsWith("Continue it with TrainingOptions.Resume = true, train into another Trainer.RunDirectory, " +
                        "or replace it with TrainingOptions.Overwrite = true.", e.Message);
        Assert.Equal(4, Checkpoint.Open(dir.Path).Metadata.Step);          // the earlier run is untouched
        Assert.Equal(log, File.ReadAllText(dir.File("log.csv")));

        var model = Tiny.Model(corpus);
        new Trainer(model, corpus, Options(8) with { Overwrite = true }, dir.Path).Train();
        Assert.Equal(8, Checkpoint.Open(dir.Path).Metadata.Step);
    }

    /// <summary>TinyLm that cancels a token once it is asked to evaluate after <c>trainingCalls</c> training passes.</summary>
    private sealed class CancelsWhileEvaluating : LanguageModel
    {
        private readonly TinyLm inner;
        private readonly CancellationTokenSource? cancel;
        private readonly int trainingCalls;
        private int seen;

        public CancelsWhileEvaluating(int vocabSize, CancellationTokenSource? cancel = null, int trainingCalls = 0) : base("Cancelling")
        {
            TorchSharp.torch.random.manual_seed(7);
            inner = new TinyLm(vocabSize, dropout: 0.2);
            (this.cancel, this.trainingCalls) = (cancel, trainingCalls);
            RegisterComponents();
        }

        public override GptConfig Config => inner.Config;

        public override Tensor forward(Tensor idx)
        {
            if (training) seen++;
            else if (seen == trainingCalls) cancel?.Cancel();
            return inner.forward(idx);
        }
    }

    [Fact]
    public void Cancelling_during_an_evaluation_stops_promptly_and_the_resume_catches_the_evaluation_up()
    {
        var corpus = Tiny.Corpus();
        var vocab = corpus.Tokenizer.VocabSize;
        using var whole = new TempDir();
        using var split = new TempDir();
        var all = new Trainer(new CancelsWhileEvaluating(vocab), corpus, Options(16), whole.Path).Train();

        using var cancel = new CancellationTokenSource();
        var stopped = new Trainer(new CancelsWhileEvaluating(vocab, cancel, trainingCalls: 8), corpus, Options(16), split.Path).Train(null, cancel.Token);
        Assert.True(stopped.Interrupted);
        Assert.Equal(8, stopped.Step);
        Assert.DoesNotContain(stopped.Evaluations, e => e.Step == 8);

        var resumed = new Trainer(new CancelsWhileEvaluating(vocab), corpus, Options(16) with { Resume = true }, split.Path).Train();
        Assert.Equal(all.StepLosses, stopped.StepLosses.Concat(resumed.StepLosses));
        Assert.Equal(LossColumns(whole), LossColumns(split));
    }

    [Fact]
    public void Resuming_from_an_opened_checkpoint_reads_it_once_and_goes_on_as_opening_it_there()
    {
        var corpus = Tiny.Corpus();
        using var opened = new TempDir();
        using var reopened = new TempDir();
        Run(corpus, opened, 8, resume: false);
        Run(corpus, reopened, 8, resume: false);
        var checkpoint = Trainer.OpenForResume(opened.Path);
        File.Delete(Path.Combine(checkpoint.Directory, Checkpoint.ModelFile));      // it is not read from disk again
        var model = Tiny.Model(corpus, dropout: 0.2, seed: 1234);
        var handed = new Trainer(model, corpus, Options(16) with { Resume = true }, opened.Path, checkpoint).Train();
        var (own, _) = Run(corpus, reopened, 16, resume: true);
        Assert.Equal(own.StepLosses, handed.StepLosses);
        Assert.Equal(LossColumns(reopened), LossColumns(opened));

        LibraryError.Assert(() => Trainer.OpenForResume(Path.Combine(opened.Path, "nothing")), "TrainingOptions.Resume",
            "There is nothing to resume in");
    }
}

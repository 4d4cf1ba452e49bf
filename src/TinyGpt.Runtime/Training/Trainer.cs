using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// Trains a <see cref="LanguageModel"/> on a <see cref="Corpus"/> as nanoGPT's <c>train.py</c>:
/// AdamW over the model's distinct parameters (decay on matrices only), warmup + cosine learning
/// rate, gradient clipping, periodic evaluation with checkpoints, one dispose scope per step.
/// </summary>
public sealed class Trainer
{
    /// <summary>The run directory as errors name it.</summary>
    public const string RunDirectoryArgument = "Trainer.RunDirectory";

    /// <summary>The corpus as errors name it.</summary>
    public const string CorpusArgument = "Trainer.Corpus";

    private readonly Checkpoint? _resumeFrom;

    /// <summary>
    /// Prepares a run; nothing is trained or written until <see cref="Train"/>. The options are
    /// validated and the device resolved here. With <see cref="TrainingOptions.Resume"/>,
    /// <paramref name="resumeFrom"/> may hand over the run's checkpoint already opened by
    /// <see cref="OpenForResume"/>, so it is read and verified once; otherwise <see cref="Train"/> opens it.
    /// </summary>
    public Trainer(LanguageModel model, Corpus corpus, TrainingOptions options, string runDirectory, Checkpoint? resumeFrom = null)
    {
        Model = model;
        Corpus = corpus;
        Options = options.Validate();
        RunDirectory = runDirectory;
        if (resumeFrom is not null && !Options.Resume)
            throw new ArgumentException($"A checkpoint to resume from needs {TrainingOptions.Name(nameof(TrainingOptions.Resume))} = true.", nameof(resumeFrom));
        _resumeFrom = resumeFrom;
        Device = TorchDevice.Resolve(Options.Device, TrainingOptions.Name(nameof(TrainingOptions.Device)));
    }

    /// <summary>The model being trained (moved to <see cref="Device"/> by <see cref="Train"/>).</summary>
    public LanguageModel Model { get; }

    /// <summary>The text it learns.</summary>
    public Corpus Corpus { get; }

    /// <summary>How it learns.</summary>
    public TrainingOptions Options { get; }

    /// <summary>Where <c>log.csv</c>, the loss plot and checkpoints go.</summary>
    public string RunDirectory { get; }

    /// <summary>Where the model trains: <see cref="TrainingOptions.Device"/> resolved (see <see cref="TorchDevice.Resolve"/>).</summary>
    public Device Device { get; }

    /// <summary>
    /// Runs (or, with <see cref="TrainingOptions.Resume"/>, continues) training up to
    /// <see cref="TrainingOptions.Steps"/>, as nanoGPT's <c>train.py</c> loop: evaluate and checkpoint every
    /// <see cref="TrainingOptions.EvalInterval"/> steps, else one optimizer step at the scheduled learning rate.
    /// A fresh start in a directory that holds a run is refused unless <see cref="TrainingOptions.Overwrite"/>
    /// is set. Cancelling saves a checkpoint and returns a result with <see cref="TrainingResult.Interrupted"/>
    /// set. A NaN or infinite loss throws a <see cref="TinyGptException"/> and leaves the last checkpoint untouched.
    /// </summary>
    public TrainingResult Train(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        EnsureRunFits();
        EnsureCanStartIn(RunDirectory, Options);
        PrepareRunDirectory();
        GlibcMalloc.Tune();

        Model.to(Device);
        using var optimizer = CreateFlatOptimizer(Model, Options);
        var run = Options.Resume ? Resume(optimizer) : Start();
        var schedule = LearningRateSchedule.From(Options);
        var batches = new BatchSampler(Corpus.Split.Train, Model.Config.BlockSize, Options.BatchSize, run.BatchRandom);

        var interrupted = run.OwesEvaluation(Options) && !Evaluate(run, optimizer, schedule.At(Math.Max(0, run.Step - 1)), cancellationToken);
        Model.train();   // once: evaluations switch to eval mode and back
        while (!interrupted && run.Step < Options.Steps)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                interrupted = true;
                break;
            }
            var lr = schedule.At(run.Step);
            var began = Stopwatch.GetTimestamp();
            var loss = TrainStep(optimizer, batches, lr, run.Step);
            run.CompleteStep(loss, Stopwatch.GetElapsedTime(began).TotalSeconds);

            var evaluate = run.Step % Options.EvalInterval == 0 || run.Step == Options.Steps;
            if (evaluate && !Evaluate(run, optimizer, lr, cancellationToken))
                interrupted = true;
            else
                progress?.Report(new TrainingProgress(run.Step, Options.Steps, loss, evaluate ? run.LastTrainLoss : null,
                    evaluate ? run.LastValLoss : null, lr, run.TokensPerSecond(TokensPerStep), run.Elapsed, run.Eta(Options.Steps)));
        }
        if (interrupted)
            run.LatestCheckpoint = SaveCheckpoint(run, optimizer, isBest: false);
        return Finish(run, interrupted);
    }

    /// <summary>
    /// The checkpoint to continue the run in <paramref name="runDirectory"/> from, opened and verified;
    /// a directory without one is a <see cref="TinyGptException"/> about <see cref="TrainingOptions.Resume"/>.
    /// Hand it to the <see cref="Trainer"/> constructor so the run reads it once.
    /// </summary>
    public static Checkpoint OpenForResume(string runDirectory)
    {
        var resume = TrainingOptions.Name(nameof(TrainingOptions.Resume));
        if (!Checkpoint.Exists(runDirectory))
            throw TinyGptException.About(resume, $"There is nothing to resume in '{runDirectory}' (no checkpoint);",
                $"set {resume} = false to start a new run there, or point {RunDirectoryArgument} at an earlier run.");
        return Checkpoint.Open(runDirectory);
    }

    /// <summary>
    /// Refuses to start afresh in <paramref name="runDirectory"/> while it holds a run (see
    /// <see cref="Checkpoint.DescribeRun"/>), unless <paramref name="options"/> resume it or overwrite it.
    /// </summary>
    public static void EnsureCanStartIn(string runDirectory, TrainingOptions options)
    {
        if (options.Resume || options.Overwrite || Checkpoint.DescribeRun(runDirectory) is not { } run)
            return;
        var overwrite = TrainingOptions.Name(nameof(TrainingOptions.Overwrite));
        throw TinyGptException.About(overwrite, $"'{runDirectory}' already holds a run ({run}).",
            $"Continue it with {TrainingOptions.Name(nameof(TrainingOptions.Resume))} = true, train into another {RunDirectoryArgument}, " +
            $"or replace it with {overwrite} = true.");
    }

    private double TokensPerStep => (double)Options.BatchSize * Model.Config.BlockSize;

    /// <summary>The corpus fits the model, and the run fits in memory.</summary>
    private void EnsureRunFits()
    {
        var name = Model.GetName();
        Corpus.Tokenizer.EnsureFits(Model.Config, name);
        Corpus.Split.EnsureFits(Model.Config.BlockSize);
        MemoryGuard.EnsureFits(MemoryGuard.Estimate(Model.Config, Options.BatchSize, Model.DistinctParameters().Sum(p => p.numel())), name);
    }

    private RunState Start()
    {
        ChoosePrecision(recorded: null);
        Checkpoint.Clear(RunDirectory);
        return RunState.Fresh(Model, Options.Seed, RunDirectory);
    }

    private RunState Resume(AdamW optimizer)
    {
        var checkpoint = _resumeFrom ?? OpenForResume(RunDirectory);
        if (checkpoint.Metadata.Vocabulary != Corpus.Tokenizer.Vocabulary)
            throw TinyGptException.About(CorpusArgument,
                $"The checkpoint in '{RunDirectory}' was trained on a corpus with another alphabet ({checkpoint.Tokenizer.VocabSize} characters, " +
                $"this one has {Corpus.Tokenizer.VocabSize});", $"resume with the same {CorpusArgument}.");
        checkpoint.LoadWeights(Model);
        checkpoint.LoadOptimizer(optimizer);
        ChoosePrecision(checkpoint.Metadata.ComputePrecision);
        return RunState.FromCheckpoint(checkpoint, Model, Options.Seed, RunDirectory);
    }

    /// <summary>
    /// The run computes in <see cref="TrainingOptions.Precision"/>; without one, a resumed run in the precision its
    /// checkpoint <paramref name="recorded"/>, a fresh one in the model's own <see cref="LanguageModel.ComputePrecision"/>.
    /// </summary>
    private void ChoosePrecision(Precision? recorded)
    {
        if ((Options.Precision ?? recorded) is { } precision)
            Model.ComputePrecision = precision;   // Auto picks by the device the model is on now
    }

    /// <summary>Estimates both losses, logs them and checkpoints; false when cancelled midway (nothing logged or saved then).</summary>
    private bool Evaluate(RunState run, AdamW optimizer, double lr, CancellationToken cancellationToken)
    {
        if (EstimateLoss(Corpus.Split.Train, run.Step, 0, cancellationToken) is not { } train ||
            EstimateLoss(Corpus.Split.Val, run.Step, 1, cancellationToken) is not { } val)
            return false;
        var isBest = run.RecordEvaluation(train, val, lr, TokensPerStep);
        run.LatestCheckpoint = SaveCheckpoint(run, optimizer, isBest);
        ReleaseFreeMemory();
        return true;
    }

    private string SaveCheckpoint(RunState run, AdamW optimizer, bool isBest) =>
        Checkpoint.Save(RunDirectory, Model, optimizer, run.ToMetadata(Model, Corpus, Options), isBest);

    private TrainingResult Finish(RunState run, bool interrupted)
    {
        string? plot = null;
        if (Options.WritePlot && run.Log.Records.Count > 0)
        {
            plot = Path.Combine(RunDirectory, LossPlot.FileName);
            LossPlot.Write(plot, run.Log.Records);
        }
        return new TrainingResult(RunDirectory, run.Step, Options.Steps, interrupted, run.LastTrainLoss, run.LastValLoss, run.BestValLoss,
            run.Log.Records, run.StepLosses, run.Elapsed, run.LatestCheckpoint, plot);
    }

    /// <summary>
    /// Hands memory that only looks used back, after each evaluation: the buffers a checkpoint leaves
    /// behind are freed only by a full collection, which the GC would rather postpone by growing its
    /// budget, so resident memory would creep up. The collection is aggressive because an ordinary one
    /// keeps the freed regions committed and gives them back over minutes. glibc's free blocks go back
    /// too (<see cref="GlibcMalloc.Trim"/>). What each part bought is in bench/RESULTS.md.
    /// </summary>
    private static void ReleaseFreeMemory()
    {
        // The buffers are plain arrays and disposed streams: no finalizers to wait for.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GlibcMalloc.Trim();
    }

    /// <summary>One optimizer step in its own dispose scope; returns the batch loss.</summary>
    private double TrainStep(FlatAdamW optimizer, BatchSampler batches, double lr, int step)
    {
        using var scope = NewDisposeScope();
        foreach (var group in optimizer.ParamGroups)
            group.LearningRate = lr;
        var (x, y) = batches.Next(Device);                                 // [B, T], [B, T]
        var (_, loss) = Model.forward(x, y);                                // scalar
        var value = loss.item<float>();
        if (!float.IsFinite(value))
        {
            var learningRate = TrainingOptions.Name(nameof(TrainingOptions.LearningRate));
            throw TinyGptException.About(learningRate,
                $"Training diverged at step {step + 1}: the loss became {(float.IsNaN(value) ? "NaN" : "infinite")} at learning rate {lr:G3}.",
                $"Try a lower {learningRate} (e.g. {Options.LearningRate / 10:G3}); the last good checkpoint in '{RunDirectory}' is untouched " +
                $"(continue from it with {TrainingOptions.Name(nameof(TrainingOptions.Resume))} = true).");
        }
        optimizer.zero_grad();
        loss.backward();
        if (Options.GradClip > 0)
            optimizer.ClipGradNorm(Options.GradClip);
        optimizer.step();
        return value;
    }

    /// <summary>
    /// Mean loss over <see cref="TrainingOptions.EvalIters"/> batches in eval mode, or null when
    /// cancelled. Batches depend only on (seed, step, split), so a resumed run, even in another
    /// process, evaluates on the same batches and training's own generators are untouched.
    /// </summary>
    private double? EstimateLoss(long[] tokens, int step, int split, CancellationToken cancellationToken)
    {
        var random = new DeterministicRandom(unchecked(Options.Seed * 1_000_003 + step * 2L + split + 0x5DEECE66DL));
        var batches = new BatchSampler(tokens, Model.Config.BlockSize, Options.BatchSize, random);
        Model.eval();
        double total = 0;
        using (no_grad())
            for (var i = 0; i < Options.EvalIters; i++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    Model.train();
                    return null;
                }
                using var scope = NewDisposeScope();
                var (x, y) = batches.Next(Device);
                var (_, loss) = Model.forward(x, y);
                total += loss.item<float>();
            }
        Model.train();
        return total / Options.EvalIters;
    }

    /// <summary>
    /// nanoGPT's <c>configure_optimizers</c>: AdamW over the distinct parameters, weight decay on
    /// tensors of two or more dimensions (matmul weights, embeddings), none on biases and LayerNorm gains.
    /// It moves the parameters into one flat buffer, so that a step is a few kernels rather than several per
    /// tensor (their values and the model's weight tying stay): create it after moving the model to its device.
    /// </summary>
    public static AdamW CreateOptimizer(nn.Module model, TrainingOptions options) => CreateFlatOptimizer(model, options);

    /// <summary><see cref="CreateOptimizer"/> as the trainer steps it: over flat buffers (see <see cref="FlatAdamW"/>).</summary>
    internal static FlatAdamW CreateFlatOptimizer(nn.Module model, TrainingOptions options)
    {
        var parameters = LanguageModel.DistinctNamedParameters(model).Select(np => np.Parameter).Where(p => p.requires_grad).ToList();
        var decay = parameters.Where(p => p.dim() >= 2).ToList();
        var noDecay = parameters.Where(p => p.dim() < 2).ToList();
        var groups = new List<AdamW.ParamGroup>();
        if (decay.Count > 0)
            groups.Add(new AdamW.ParamGroup(decay, options.LearningRate, options.Beta1, options.Beta2, 1e-8, options.WeightDecay, false, false));
        if (noDecay.Count > 0)
            groups.Add(new AdamW.ParamGroup(noDecay, options.LearningRate, options.Beta1, options.Beta2, 1e-8, 0.0, false, false));
        return new FlatAdamW(groups, options.LearningRate, options.Beta1, options.Beta2, 1e-8, options.WeightDecay);
    }

    private void PrepareRunDirectory()
    {
        try
        {
            Directory.CreateDirectory(RunDirectory);
            var probe = Path.Combine(RunDirectory, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw TinyGptException.About(RunDirectoryArgument, $"Cannot write to the run directory '{RunDirectory}' ({e.Message});",
                $"choose another {RunDirectoryArgument}.", e);
        }
    }
}

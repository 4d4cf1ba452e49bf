using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
    /// <summary>Prepares a run; nothing is trained or written until <see cref="Train"/>.</summary>
    public Trainer(LanguageModel model, Corpus corpus, TrainingOptions options, string runDirectory)
    {
        Model = model;
        Corpus = corpus;
        Options = options.Validate();
        RunDirectory = runDirectory;
    }

    /// <summary>The model being trained (moved to the chosen device by <see cref="Train"/>).</summary>
    public LanguageModel Model { get; }

    /// <summary>The text it learns.</summary>
    public Corpus Corpus { get; }

    /// <summary>How it learns.</summary>
    public TrainingOptions Options { get; }

    /// <summary>Where <c>log.csv</c>, the loss plot and checkpoints go.</summary>
    public string RunDirectory { get; }

    /// <summary>
    /// Runs (or, with <see cref="TrainingOptions.Resume"/>, continues) training up to
    /// <see cref="TrainingOptions.Steps"/>. A fresh start in a directory that holds a run is refused
    /// unless <see cref="TrainingOptions.Overwrite"/> is set. Cancelling saves a checkpoint and returns a result with
    /// <see cref="TrainingResult.Interrupted"/> set. A NaN or infinite loss throws a
    /// <see cref="TinyGptException"/> and leaves the last checkpoint untouched.
    /// </summary>
    public TrainingResult Train(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var name = Model.GetName();
        var config = Model.Config;
        var device = TorchDevice.Resolve(Options.Device);
        Corpus.Tokenizer.EnsureFits(config, name);
        Corpus.Split.EnsureFits(config.BlockSize);
        MemoryGuard.EnsureFits(MemoryGuard.Estimate(config, Options.BatchSize, DistinctParameters(Model).Sum(p => p.numel())), name);
        EnsureCanStartIn(RunDirectory, Options);
        PrepareRunDirectory();
        GlibcMalloc.Tune();

        Model.to(device);
        using var optimizer = CreateOptimizer(Model, Options);
        var schedule = LearningRateSchedule.From(Options);
        var start = 0;
        double? bestVal = null, lastTrain = null, lastVal = null;
        var priorSeconds = 0.0;
        DeterministicRandom batchRandom;
        TrainingLog log;
        var latest = "";   // the folder of the newest checkpoint
        if (Options.Resume)
        {
            var checkpoint = OpenForResume();
            latest = checkpoint.Directory;
            checkpoint.LoadWeights(Model);
            checkpoint.LoadOptimizer(optimizer);
            var m = checkpoint.Metadata;
            start = m.Step;
            bestVal = m.BestValLoss;
            lastVal = m.ValLoss;
            priorSeconds = m.ElapsedSeconds;
            batchRandom = m.SamplerState is { } state ? DeterministicRandom.FromState(state) : new DeterministicRandom(Options.Seed);
            // A checkpoint from before models had their own generator continues their dropout from torch's stream.
            Restore(m.ModelRngState ?? m.TorchRngState, Model.RandomGenerator.set_state);
            Restore(m.TorchRngState, torch.random.set_rng_state);
            log = TrainingLog.Resume(RunDirectory, start);
            lastTrain = log.Records.LastOrDefault()?.TrainLoss;
        }
        else
        {
            Checkpoint.Clear(RunDirectory);
            batchRandom = new DeterministicRandom(Options.Seed);
            // Dropout draws from the run's seed, whatever seed built the model: generated models and FastDropout from
            // the model's own generator, hand-written models with nn.Dropout from torch's default one.
            Model.RandomGenerator.manual_seed(Options.Seed);
            torch.random.manual_seed(Options.Seed);
            log = TrainingLog.Create(RunDirectory);
        }

        var batches = new BatchSampler(Corpus.Split.Train, config.BlockSize, Options.BatchSize, batchRandom);
        var clipped = optimizer.parameters().ToList();   // what clipping rescales: the optimizer's distinct parameters
        var tokensPerStep = (double)Options.BatchSize * config.BlockSize;
        var session = Stopwatch.StartNew();
        var stepLosses = new List<double>();
        var trainSeconds = 0.0;   // time spent in steps (not evaluation) this session, for speed and ETA
        var trainSteps = 0;

        string SaveCheckpoint(int step, bool isBest) => Checkpoint.Save(RunDirectory, Model, optimizer, new CheckpointMetadata
        {
            ModelName = name,
            Config = config,
            Vocabulary = Corpus.Tokenizer.Vocabulary,
            Step = step,
            ValLoss = lastVal,
            BestValLoss = bestVal,
            ElapsedSeconds = priorSeconds + session.Elapsed.TotalSeconds,
            Options = Options,
            SamplerState = batchRandom.State,
            ModelRngState = Base64(Model.RandomGenerator.get_state()),
            TorchRngState = Base64(torch.random.get_rng_state()),
        }, isBest);

        double TokensPerSecond() => trainSeconds > 0 ? trainSteps * tokensPerStep / trainSeconds : 0;

        // Returns false when cancelled midway (nothing logged or saved for that step).
        bool Evaluate(int step, double lr)
        {
            if (EstimateLoss(Corpus.Split.Train, step, 0, device, cancellationToken) is not { } train ||
                EstimateLoss(Corpus.Split.Val, step, 1, device, cancellationToken) is not { } val)
                return false;
            (lastTrain, lastVal) = (train, val);
            var isBest = bestVal is null || val < bestVal;
            if (isBest) bestVal = val;
            log.Append(new EvaluationRecord(step, train, val, lr, TokensPerSecond(), priorSeconds + session.Elapsed.TotalSeconds));
            latest = SaveCheckpoint(step, isBest);
            ReleaseFreeMemory();
            return true;
        }

        // A fresh run measures the untrained model; a run stopped during an evaluation catches it up.
        if (start == 0 || (start % Options.EvalInterval == 0 && start < Options.Steps && log.Records.All(r => r.Step != start)))
            Evaluate(start, schedule.At(Math.Max(0, start - 1)));
        var interrupted = false;
        Model.train();   // once: evaluations switch to eval mode and back
        for (var step = start; step < Options.Steps; step++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                latest = SaveCheckpoint(step, isBest: false);
                interrupted = true;
                break;
            }
            var lr = schedule.At(step);
            var began = Stopwatch.GetTimestamp();
            var loss = TrainStep(optimizer, clipped, batches, device, lr, step);
            trainSeconds += Stopwatch.GetElapsedTime(began).TotalSeconds;
            trainSteps++;
            stepLosses.Add(loss);

            var done = step + 1;
            var evaluate = done % Options.EvalInterval == 0 || done == Options.Steps;
            if (evaluate && !Evaluate(done, lr))
            {
                latest = SaveCheckpoint(done, isBest: false);
                interrupted = true;
                break;
            }
            var eta = TimeSpan.FromSeconds(trainSteps == 0 ? 0 : trainSeconds / trainSteps * (Options.Steps - done));
            progress?.Report(new TrainingProgress(done, Options.Steps, loss, evaluate ? lastTrain : null, evaluate ? lastVal : null,
                lr, TokensPerSecond(), TimeSpan.FromSeconds(priorSeconds) + session.Elapsed, eta));
        }

        var finalStep = interrupted ? start + stepLosses.Count : Math.Max(start, Options.Steps);
        string? plot = null;
        if (Options.WritePlot && log.Records.Count > 0)
        {
            plot = Path.Combine(RunDirectory, LossPlot.FileName);
            LossPlot.Write(plot, log.Records);
        }
        return new TrainingResult(RunDirectory, finalStep, Options.Steps, interrupted, lastTrain, lastVal, bestVal,
            log.Records, stepLosses, TimeSpan.FromSeconds(priorSeconds) + session.Elapsed, latest, plot);
    }

    /// <summary>
    /// Refuses to start afresh in <paramref name="runDirectory"/> while it holds a run, unless
    /// <paramref name="options"/> resume it or overwrite it (see <see cref="Checkpoint.EnsureHoldsNoRun"/>).
    /// </summary>
    public static void EnsureCanStartIn(string runDirectory, TrainingOptions options)
    {
        if (!options.Resume && !options.Overwrite)
            Checkpoint.EnsureHoldsNoRun(runDirectory, "Continue it with --resume, train into another --out, or replace it with --overwrite.");
    }

    /// <summary>
    /// Hands memory that only looks used back, after each evaluation. Saving a checkpoint leaves ~38 MB
    /// of managed buffers that only a full collection frees, and the GC grows its budget rather than
    /// collect them: measured on baby, resident memory grew 19 % from step 100 to 1,000 and 30 % by
    /// 2,000 without this. The collection is aggressive because an ordinary one keeps the freed
    /// regions committed and decommits them over the following minutes: the managed heap then held
    /// 67 MB for 20 MB of live objects and shrank by a quarter during the run, moving resident memory
    /// by ±5 % from one interval to the next; aggressive, it stays at ~23 MB. glibc's free blocks go
    /// back too (<see cref="GlibcMalloc.Trim"/>). Costs a few milliseconds per evaluation.
    /// </summary>
    private static void ReleaseFreeMemory()
    {
        // The buffers are plain arrays and disposed streams: no finalizers to wait for.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GlibcMalloc.Trim();
    }

    /// <summary>One optimizer step in its own dispose scope; returns the batch loss.</summary>
    private double TrainStep(AdamW optimizer, IEnumerable<Parameter> clipped, BatchSampler batches, Device device, double lr, int step)
    {
        using var scope = NewDisposeScope();
        foreach (var group in optimizer.ParamGroups)
            group.LearningRate = lr;
        var (x, y) = batches.Next(device);                                 // [B, T], [B, T]
        var (_, loss) = Model.forward(x, y);                                // scalar
        var value = loss.item<float>();
        if (!float.IsFinite(value))
            throw new TinyGptException(
                $"Training diverged at step {step + 1}: the loss became {(float.IsNaN(value) ? "NaN" : "infinite")} at learning rate {lr:G3}. " +
                $"Try a lower --lr (e.g. {Options.LearningRate / 10:G3}); the last good checkpoint in '{RunDirectory}' is untouched (resume with --resume).");
        optimizer.zero_grad();
        loss.backward();
        if (Options.GradClip > 0)
            nn.utils.clip_grad_norm_(clipped, Options.GradClip);
        optimizer.step();
        return value;
    }

    /// <summary>
    /// Mean loss over <see cref="TrainingOptions.EvalIters"/> batches in eval mode, or null when
    /// cancelled. Batches depend only on (seed, step, split), so a resumed run, even in another
    /// process, evaluates on the same batches and training's own generators are untouched.
    /// </summary>
    private double? EstimateLoss(long[] tokens, int step, int split, Device device, CancellationToken cancellationToken)
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
                var (x, y) = batches.Next(device);
                var (_, loss) = Model.forward(x, y);
                total += loss.item<float>();
            }
        Model.train();
        return total / Options.EvalIters;
    }

    /// <summary>
    /// The model's parameters, each once. A tied weight (<c>lm_head.weight = wte.weight</c>) appears
    /// under two names, and TorchSharp may hand out two wrappers with different handles over the one
    /// storage; an optimizer given both would update it twice per step. On the CPU two parameters
    /// are the same when their data starts at the same address with the same length; elsewhere the
    /// native handle decides.
    /// </summary>
    public static IReadOnlyList<(string Name, Parameter Parameter)> DistinctNamedParameters(nn.Module model)
    {
        var handles = new HashSet<IntPtr>();
        var result = new List<(string, Parameter)>();
        foreach (var (name, p) in model.named_parameters())
        {
            if (!handles.Add(p.Handle) || result.Any(r => SameMemory(r.Item2, p)))
                continue;
            result.Add((name, p));
        }
        return result;
    }

    private static bool SameMemory(Tensor a, Tensor b)
    {
        if (a.device_type != DeviceType.CPU || b.device_type != DeviceType.CPU || !a.is_contiguous() || !b.is_contiguous())
            return false;
        var x = a.bytes;
        var y = b.bytes;
        return x.Length == y.Length && x.Length > 0 && Unsafe.AreSame(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y));
    }

    /// <summary>The model's distinct parameters (see <see cref="DistinctNamedParameters"/>).</summary>
    public static IReadOnlyList<Parameter> DistinctParameters(nn.Module model) =>
        [.. DistinctNamedParameters(model).Select(np => np.Parameter)];

    /// <summary>
    /// nanoGPT's <c>configure_optimizers</c>: AdamW over the distinct parameters, weight decay on
    /// tensors of two or more dimensions (matmul weights, embeddings), none on biases and LayerNorm gains.
    /// </summary>
    public static AdamW CreateOptimizer(nn.Module model, TrainingOptions options)
    {
        var parameters = DistinctNamedParameters(model).Where(np => np.Parameter.requires_grad).Select(np => np.Parameter).ToList();
        var decay = parameters.Where(p => p.dim() >= 2).ToList();
        var noDecay = parameters.Where(p => p.dim() < 2).ToList();
        var groups = new List<AdamW.ParamGroup>();
        if (decay.Count > 0)
            groups.Add(new AdamW.ParamGroup(decay, options.LearningRate, options.Beta1, options.Beta2, 1e-8, options.WeightDecay, false, false));
        if (noDecay.Count > 0)
            groups.Add(new AdamW.ParamGroup(noDecay, options.LearningRate, options.Beta1, options.Beta2, 1e-8, 0.0, false, false));
        return optim.AdamW(groups, options.LearningRate, options.Beta1, options.Beta2, 1e-8, options.WeightDecay);
    }

    private Checkpoint OpenForResume()
    {
        if (!Checkpoint.Exists(RunDirectory))
            throw new TinyGptException($"There is nothing to resume in '{RunDirectory}' (no checkpoint); drop --resume to start a new run there.");
        var checkpoint = Checkpoint.Open(RunDirectory);
        if (checkpoint.Metadata.Vocabulary != Corpus.Tokenizer.Vocabulary)
            throw new TinyGptException(
                $"The checkpoint in '{RunDirectory}' was trained on a corpus with another alphabet ({checkpoint.Tokenizer.VocabSize} characters, " +
                $"this one has {Corpus.Tokenizer.VocabSize}); resume with the same --data.");
        return checkpoint;
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
            throw new TinyGptException($"Cannot write to the run directory '{RunDirectory}' ({e.Message}); choose another --out.", e);
        }
    }

    /// <summary>A generator state (a byte tensor, disposed here) as base64, for the checkpoint's JSON.</summary>
    private static string Base64(Tensor state)
    {
        using (state)
            return Convert.ToBase64String(state.data<byte>().ToArray());
    }

    /// <summary>Hands a saved base64 generator state to <paramref name="set"/>; nothing when none was saved.</summary>
    private static void Restore(string? state, Action<Tensor> set)
    {
        if (state is null) return;
        using var saved = tensor(Convert.FromBase64String(state));
        set(saved);
    }
}

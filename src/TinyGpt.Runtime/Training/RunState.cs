using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// Where a run stands: the step, the losses so far, the time spent, the batch generator and the log.
/// It starts fresh or from a checkpoint, and becomes a checkpoint's metadata again, so a run stopped
/// and resumed goes on exactly as one that never stopped.
/// </summary>
internal sealed class RunState
{
    private readonly Stopwatch _session = Stopwatch.StartNew();
    private readonly double _priorSeconds;
    private readonly List<double> _stepLosses = [];
    private double _trainSeconds;   // time spent in steps (not evaluation) this session, for speed and ETA

    private RunState(int step, double priorSeconds, DeterministicRandom batchRandom, TrainingLog log)
    {
        Step = StartStep = step;
        _priorSeconds = priorSeconds;
        BatchRandom = batchRandom;
        Log = log;
    }

    /// <summary>Optimizer steps completed, earlier sessions included.</summary>
    public int Step { get; private set; }

    /// <summary>The step this session started from.</summary>
    public int StartStep { get; }

    /// <summary>The loss estimates of the last evaluation, and the best val loss of the run.</summary>
    public double? LastTrainLoss { get; private set; }

    /// <inheritdoc cref="LastTrainLoss"/>
    public double? LastValLoss { get; private set; }

    /// <inheritdoc cref="LastTrainLoss"/>
    public double? BestValLoss { get; private set; }

    /// <summary>Draws the training batches.</summary>
    public DeterministicRandom BatchRandom { get; }

    /// <summary><c>log.csv</c>, every evaluation of the run.</summary>
    public TrainingLog Log { get; }

    /// <summary>The folder of the newest checkpoint ("" before the first).</summary>
    public string LatestCheckpoint { get; set; } = "";

    /// <summary>This session's batch losses.</summary>
    public IReadOnlyList<double> StepLosses => _stepLosses;

    /// <summary>Training time over all sessions.</summary>
    public TimeSpan Elapsed => TimeSpan.FromSeconds(_priorSeconds) + _session.Elapsed;

    /// <summary>
    /// A new run: batches, and the dropout of every model, follow <paramref name="seed"/> whatever seed
    /// built the model (generated models and FastDropout draw from the model's own generator,
    /// hand-written models with <c>nn.Dropout</c> from torch's default one).
    /// </summary>
    public static RunState Fresh(LanguageModel model, long seed, string runDirectory)
    {
        model.RandomGenerator.manual_seed(seed);
        torch.random.manual_seed(seed);
        return new RunState(0, 0, new DeterministicRandom(seed), TrainingLog.Create(runDirectory));
    }

    /// <summary>The run <paramref name="checkpoint"/> saved, with every random stream where it stood.</summary>
    public static RunState FromCheckpoint(Checkpoint checkpoint, LanguageModel model, long seed, string runDirectory)
    {
        var m = checkpoint.Metadata;
        var batchRandom = m.SamplerState is { } state ? DeterministicRandom.FromState(state) : new DeterministicRandom(seed);
        // A checkpoint from before models had their own generator continues their dropout from torch's stream.
        Restore(m.ModelRngState ?? m.TorchRngState, model.RandomGenerator.set_state);
        Restore(m.TorchRngState, torch.random.set_rng_state);
        var log = TrainingLog.Resume(runDirectory, m.Step);
        return new RunState(m.Step, m.ElapsedSeconds, batchRandom, log)
        {
            LastValLoss = m.ValLoss,
            BestValLoss = m.BestValLoss,
            LastTrainLoss = log.Records.LastOrDefault()?.TrainLoss,
            LatestCheckpoint = checkpoint.Directory,
        };
    }

    /// <summary>What a checkpoint of this moment records (the checkpoint adds the model's name, config and shapes).</summary>
    public CheckpointMetadata ToMetadata(LanguageModel model, Corpus corpus, TrainingOptions options) => new()
    {
        ModelName = model.GetName(),
        Config = model.Config,
        Vocabulary = corpus.Tokenizer.Vocabulary,
        Step = Step,
        ValLoss = LastValLoss,
        BestValLoss = BestValLoss,
        ElapsedSeconds = Elapsed.TotalSeconds,
        Options = options,
        ComputePrecision = model.ComputePrecision,
        SamplerState = BatchRandom.State,
        ModelRngState = Base64(model.RandomGenerator.get_state()),
        TorchRngState = Base64(torch.random.get_rng_state()),
    };

    /// <summary>
    /// Whether the run owes an evaluation before its first step: a fresh run measures the untrained
    /// model; a run stopped during an evaluation catches it up.
    /// </summary>
    public bool OwesEvaluation(TrainingOptions options) =>
        Step == 0 || (Step % options.EvalInterval == 0 && Step < options.Steps && Log.Records.All(r => r.Step != Step));

    /// <summary>Counts one optimizer step that took <paramref name="seconds"/>.</summary>
    public void CompleteStep(double loss, double seconds)
    {
        _stepLosses.Add(loss);
        _trainSeconds += seconds;
        Step++;
    }

    /// <summary>Records an evaluation at the current step; true when its val loss is the best so far.</summary>
    public bool RecordEvaluation(double train, double val, double learningRate, double tokensPerStep)
    {
        (LastTrainLoss, LastValLoss) = (train, val);
        var isBest = BestValLoss is null || val < BestValLoss;
        if (isBest) BestValLoss = val;
        Log.Append(new EvaluationRecord(Step, train, val, learningRate, TokensPerSecond(tokensPerStep), Elapsed.TotalSeconds));
        return isBest;
    }

    /// <summary>Training speed this session, evaluations left out.</summary>
    public double TokensPerSecond(double tokensPerStep) =>
        _trainSeconds > 0 ? _stepLosses.Count * tokensPerStep / _trainSeconds : 0;

    /// <summary>Time left at this session's pace.</summary>
    public TimeSpan Eta(int totalSteps) =>
        TimeSpan.FromSeconds(_stepLosses.Count == 0 ? 0 : _trainSeconds / _stepLosses.Count * (totalSteps - Step));

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

namespace TinyGpt;

/// <summary>
/// How to train: nanoGPT's knobs with the <c>baby</c> model's defaults (batch 12, lr 1e-3 decaying
/// to 1e-4 after 100 warmup steps, 2000 steps, AdamW betas 0.9/0.99, weight decay 0.1, clip 1.0).
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Optimizer steps in the whole run (a resumed run continues up to this number).</summary>
    public int Steps { get; init; } = 2000;

    /// <summary>Sequences per batch.</summary>
    public int BatchSize { get; init; } = 12;

    /// <summary>Peak learning rate, reached after warmup.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Learning rate at the end of the cosine decay.</summary>
    public double MinLearningRate { get; init; } = 1e-4;

    /// <summary>Steps of linear warmup.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>Step at which the cosine reaches <see cref="MinLearningRate"/>; null means <see cref="Steps"/>.</summary>
    public int? DecaySteps { get; init; }

    /// <summary>Evaluate (and write the latest checkpoint) every this many steps, and at the end.</summary>
    public int EvalInterval { get; init; } = 250;

    /// <summary>Batches averaged per split when evaluating.</summary>
    public int EvalIters { get; init; } = 200;

    /// <summary>Seed of batches, dropout and evaluation batches.</summary>
    public long Seed { get; init; } = 1337;

    /// <summary>AdamW weight decay, applied to parameters with two or more dimensions only.</summary>
    public double WeightDecay { get; init; } = 0.1;

    /// <summary>AdamW first-moment decay.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW second-moment decay.</summary>
    public double Beta2 { get; init; } = 0.99;

    /// <summary>Clip the global gradient norm to this value; 0 turns clipping off.</summary>
    public double GradClip { get; init; } = 1.0;

    /// <summary><c>auto</c>, <c>cpu</c> or <c>cuda</c> (see <see cref="TorchDevice.Resolve"/>).</summary>
    public string Device { get; init; } = "auto";

    /// <summary>
    /// The precision to compute in: <see cref="TinyGpt.Precision.Float32"/>, <see cref="TinyGpt.Precision.BFloat16"/>
    /// or <see cref="TinyGpt.Precision.Auto"/> (bfloat16 where the device has native bfloat16 dot products that
    /// measure faster than float32, see <see cref="BFloat16Support"/>). Null keeps what the model says (<see cref="LanguageModel.ComputePrecision"/>, the
    /// attribute's <c>Precision</c> unless changed), or when resuming what the checkpoint recorded. The master
    /// weights stay float32 either way.
    /// </summary>
    public Precision? Precision { get; init; }

    /// <summary>Continue from the run directory's latest checkpoint instead of starting afresh.</summary>
    public bool Resume { get; init; }

    /// <summary>
    /// Start afresh even where the run directory already holds a run, deleting its checkpoints;
    /// without it such a start is refused, so no earlier training is lost by accident.
    /// </summary>
    public bool Overwrite { get; init; }

    /// <summary>Write a loss-curve PNG at the end of training.</summary>
    public bool WritePlot { get; init; } = true;

    /// <summary>The step where the cosine ends.</summary>
    public int EffectiveDecaySteps => DecaySteps ?? Steps;

    /// <summary>
    /// Throws a <see cref="TinyGptException"/> naming the first nonsensical value by its property
    /// (<see cref="TinyGptException.Option"/>, e.g. <c>TrainingOptions.LearningRate</c>).
    /// </summary>
    public TrainingOptions Validate()
    {
        Require(Steps >= 1, nameof(Steps), $"must be at least 1 (got {Steps}).");
        Require(BatchSize >= 1, nameof(BatchSize), $"must be at least 1 (got {BatchSize}).");
        Require(double.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), $"must be a positive number (got {LearningRate}).");
        Require(double.IsFinite(MinLearningRate) && MinLearningRate >= 0 && MinLearningRate <= LearningRate, nameof(MinLearningRate),
            $"must be between 0 and {Name(nameof(LearningRate))} ({LearningRate}) (got {MinLearningRate}).");
        Require(WarmupSteps >= 0, nameof(WarmupSteps), $"must be 0 or more (got {WarmupSteps}).");
        Require(DecaySteps is null || DecaySteps >= WarmupSteps, nameof(DecaySteps),
            $"({DecaySteps}) must not be less than {Name(nameof(WarmupSteps))} ({WarmupSteps}): the decay ends after the warmup.");
        Require(EvalInterval >= 1, nameof(EvalInterval), $"must be at least 1 (got {EvalInterval}).");
        Require(EvalIters >= 1, nameof(EvalIters), $"must be at least 1 (got {EvalIters}).");
        Require(double.IsFinite(WeightDecay) && WeightDecay >= 0, nameof(WeightDecay), $"must be 0 or more (got {WeightDecay}).");
        Require(Beta1 is >= 0 and < 1, nameof(Beta1), $"must lie in [0, 1) (got {Beta1}).");
        Require(Beta2 is >= 0 and < 1, nameof(Beta2), $"must lie in [0, 1) (got {Beta2}).");
        Require(double.IsFinite(GradClip) && GradClip >= 0, nameof(GradClip), $"must be 0 (off) or more (got {GradClip}).");
        Require(Precision is null || Enum.IsDefined(Precision.Value), nameof(Precision), $"must be Float32, BFloat16 or Auto (got {(int?)Precision}).");
        if (Resume && Overwrite)
            throw TinyGptException.About(Name(nameof(Resume)),
                $"{Name(nameof(Resume))} continues the run in {Trainer.RunDirectoryArgument} and {Name(nameof(Overwrite))} replaces it: give one of them.");
        return this;
    }

    /// <summary>A property as messages name it: <c>TrainingOptions.Steps</c>.</summary>
    internal static string Name(string property) => $"{nameof(TrainingOptions)}.{property}";

    private static void Require(bool condition, string property, string problem)
    {
        if (!condition) throw TinyGptException.About(Name(property), $"{Name(property)} {problem}");
    }
}

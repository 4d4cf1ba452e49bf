namespace TinyGpt;

/// <summary>
/// One report from the trainer, after every step. <see cref="TrainLoss"/> and <see cref="ValLoss"/>
/// are set on the steps that evaluated.
/// </summary>
public sealed record TrainingProgress(
    int Step,
    int TotalSteps,
    double Loss,
    double? TrainLoss,
    double? ValLoss,
    double LearningRate,
    double TokensPerSecond,
    TimeSpan Elapsed,
    TimeSpan Eta)
{
    /// <summary>True when this step evaluated (and wrote the latest checkpoint).</summary>
    public bool Evaluated => ValLoss is not null;
}

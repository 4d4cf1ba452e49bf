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

/// <summary>One row of <c>log.csv</c>: an evaluation.</summary>
public sealed record EvaluationRecord(int Step, double TrainLoss, double ValLoss, double LearningRate, double TokensPerSecond, double ElapsedSeconds);

/// <summary>
/// How a training session ended. <see cref="StepLosses"/> are this session's batch losses;
/// <see cref="Evaluations"/> the whole run's log rows (earlier sessions included);
/// <see cref="LatestCheckpoint"/> the folder of the newest checkpoint.
/// </summary>
public sealed record TrainingResult(
    string RunDirectory,
    int Step,
    int TotalSteps,
    bool Interrupted,
    double? TrainLoss,
    double? ValLoss,
    double? BestValLoss,
    IReadOnlyList<EvaluationRecord> Evaluations,
    IReadOnlyList<double> StepLosses,
    TimeSpan Elapsed,
    string LatestCheckpoint,
    string? PlotPath);

namespace TinyGpt;

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

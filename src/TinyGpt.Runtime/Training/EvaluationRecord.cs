namespace TinyGpt;

/// <summary>One row of <c>log.csv</c>: an evaluation.</summary>
public sealed record EvaluationRecord(int Step, double TrainLoss, double ValLoss, double LearningRate, double TokensPerSecond, double ElapsedSeconds);

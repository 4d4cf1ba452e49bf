namespace TinyGpt;

/// <summary>
/// Everything about a checkpoint besides its tensors: which model it belongs to, its
/// vocabulary, how far training got and the random-number state that makes a resume exact.
/// Stored as <c>state.json</c>.
/// </summary>
public sealed record CheckpointMetadata
{
    /// <summary>Version of the checkpoint layout.</summary>
    public int Format { get; init; } = 1;

    /// <summary>The model's name (its class name, e.g. <c>BabyGpt</c>).</summary>
    public required string ModelName { get; init; }

    /// <summary>The model's hyperparameters.</summary>
    public required GptConfig Config { get; init; }

    /// <summary>The tokenizer's characters in token order.</summary>
    public required string Vocabulary { get; init; }

    /// <summary>Optimizer steps completed.</summary>
    public int Step { get; init; }

    /// <summary>Validation loss at the last evaluation, if any.</summary>
    public double? ValLoss { get; init; }

    /// <summary>Best validation loss seen so far, if any.</summary>
    public double? BestValLoss { get; init; }

    /// <summary>Training wall time before this checkpoint, summed over resumed sessions.</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary>
    /// The precision the run computed in (<see cref="LanguageModel.ComputePrecision"/>, never Auto); null in
    /// checkpoints from before it was recorded, which computed in the model's default.
    /// </summary>
    public Precision? ComputePrecision { get; init; }

    /// <summary>The options the run was trained with.</summary>
    public TrainingOptions? Options { get; init; }

    /// <summary>State of the training batch sampler's generator.</summary>
    public ulong[]? SamplerState { get; init; }

    /// <summary>The state of the model's <see cref="LanguageModel.RandomGenerator"/> (the dropout masks of generated models), base64.</summary>
    public string? ModelRngState { get; init; }

    /// <summary>The state of torch's default CPU generator (dropout of hand-written models using <c>nn.Dropout</c>), base64.</summary>
    public string? TorchRngState { get; init; }

    /// <summary>Name and shape of every tensor in the weights file.</summary>
    public Dictionary<string, long[]> Tensors { get; init; } = [];

    /// <summary>When the checkpoint was written (UTC).</summary>
    public DateTimeOffset SavedAt { get; init; }
}

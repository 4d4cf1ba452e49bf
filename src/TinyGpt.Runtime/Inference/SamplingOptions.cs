using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>How to generate text.</summary>
public sealed record SamplingOptions
{
    /// <summary>Text the model continues; default a newline, as nanoGPT.</summary>
    public string Prompt { get; init; } = "\n";

    /// <summary>Tokens to generate per sample.</summary>
    public int MaxNewTokens { get; init; } = 500;

    /// <summary>Divides the logits: below 1 sharper, above 1 more random. Must be positive.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens (1 = greedy); null keeps all.</summary>
    public int? TopK { get; init; }

    /// <summary>Independent samples to draw.</summary>
    public int NumSamples { get; init; } = 1;

    /// <summary>Seed of the token draws.</summary>
    public long Seed { get; init; } = 1337;

    /// <summary>
    /// Throws a <see cref="TinyGptException"/> naming the first nonsensical value by its property
    /// (<see cref="TinyGptException.Option"/>, e.g. <c>SamplingOptions.Temperature</c>).
    /// </summary>
    public SamplingOptions Validate()
    {
        if (MaxNewTokens < 0)
            throw Invalid(nameof(MaxNewTokens), $"must be 0 or more (got {MaxNewTokens}).");
        if (!double.IsFinite(Temperature) || Temperature <= 0)
            throw Invalid(nameof(Temperature), $"must be a positive number (got {Temperature});",
                $"use a small value such as 0.1 for nearly greedy text, or {Name(nameof(TopK))} = 1 for greedy.");
        if (TopK is < 1)
            throw Invalid(nameof(TopK), $"must be at least 1 (got {TopK});", "leave it null to sample from every token.");
        if (NumSamples < 1)
            throw Invalid(nameof(NumSamples), $"must be at least 1 (got {NumSamples}).");
        return this;
    }

    /// <summary>A property as messages name it: <c>SamplingOptions.Prompt</c>.</summary>
    internal static string Name(string property) => $"{nameof(SamplingOptions)}.{property}";

    private static TinyGptException Invalid(string property, string problem, string? remedy = null) =>
        TinyGptException.About(Name(property), $"{Name(property)} {problem}", remedy);
}

namespace TinyGpt.Onnx;

/// <summary>How to generate text; the same meaning and defaults as TinyGpt's <c>SamplingOptions</c>.</summary>
public sealed record OnnxSamplingOptions
{
    /// <summary>Tokens to generate.</summary>
    public int MaxNewTokens { get; init; } = 500;

    /// <summary>Divides the logits: below 1 sharper, above 1 more random. Must be positive.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens (1 = greedy); null keeps all.</summary>
    public int? TopK { get; init; }

    /// <summary>Seed of the token draws: the same seed gives the same text as TinyGpt's sampler.</summary>
    public long Seed { get; init; } = 1337;

    /// <summary>Decode with the KV-cache graph when the export has one (the same tokens, faster); false recomputes every window.</summary>
    public bool UseKvCache { get; init; } = true;

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> naming the first nonsensical value.</summary>
    public OnnxSamplingOptions Validate()
    {
        if (MaxNewTokens < 0)
            throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, $"OnnxSamplingOptions.MaxNewTokens must be 0 or more (got {MaxNewTokens}).");
        if (!double.IsFinite(Temperature) || Temperature <= 0)
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature,
                $"OnnxSamplingOptions.Temperature must be a positive number (got {Temperature}); use TopK = 1 for greedy text.");
        if (TopK is < 1)
            throw new ArgumentOutOfRangeException(nameof(TopK), TopK, $"OnnxSamplingOptions.TopK must be at least 1 (got {TopK}); null samples from every token.");
        return this;
    }
}

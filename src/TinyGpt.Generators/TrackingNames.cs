namespace TinyGpt.Generators;

/// <summary>
/// Names of the generator's pipeline steps. Tests run the driver with step tracking and check that
/// every named step is cached across unrelated edits.
/// </summary>
internal static class TrackingNames
{
    /// <summary>Every <c>[Gpt]</c> class declaration, parsed into a <see cref="GptDeclaration"/> (or null when skipped).</summary>
    public const string Declarations = nameof(Declarations);

    /// <summary>The declarations that were parsed (nulls dropped).</summary>
    public const string ParsedDeclarations = nameof(ParsedDeclarations);

    /// <summary>Each declaration validated once: a <see cref="GeneratedOutput"/> saying what to write for it.</summary>
    public const string Outputs = nameof(Outputs);

    /// <summary>Each declaration's model: a <see cref="GptModel"/>, or null when it has a TGPT error.</summary>
    public const string Models = nameof(Models);

    /// <summary>The models the emitter writes (invalid declarations dropped).</summary>
    public const string ValidModels = nameof(ValidModels);

    /// <summary>Each declaration's fallback: a <see cref="GptFallback"/> when only its values are invalid, else null.</summary>
    public const string Fallbacks = nameof(Fallbacks);

    /// <summary>The fallbacks the emitter writes (valid models and shape errors dropped).</summary>
    public const string NeededFallbacks = nameof(NeededFallbacks);
}

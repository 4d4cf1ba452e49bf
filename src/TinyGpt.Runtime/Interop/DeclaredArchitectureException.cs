namespace TinyGpt.Interop;

/// <summary>
/// Every tensor of a weights file fits the model, but the JSON beside the file (<see cref="NanoGptSidecar"/>) says the
/// weights are of another architecture: options no tensor shows, such as <see cref="GptConfig.Activation"/> or
/// <see cref="GptConfig.LogitSoftcap"/>, differ. <see cref="Problem"/> names each differing property in both configs;
/// <see cref="Remedy"/> says what to do in C# terms, which a command line rewords for its own flags.
/// </summary>
public sealed class DeclaredArchitectureException : Exception
{
    /// <summary>Creates the exception; the message is <paramref name="problem"/> followed by <paramref name="remedy"/>.</summary>
    public DeclaredArchitectureException(string problem, string remedy, NanoGptSidecar declared, string sidecar, IReadOnlyList<string> differing)
        : base($"{problem} {remedy}")
    {
        Problem = problem;
        Remedy = remedy;
        Declared = declared;
        Sidecar = sidecar;
        Differing = differing;
    }

    /// <summary>What differs, ending in a full stop.</summary>
    public string Problem { get; }

    /// <summary>What to do: declare the model with the JSON's values, or move the JSON away.</summary>
    public string Remedy { get; }

    /// <summary>The JSON's content: its config and, when it names one, the model it was exported from.</summary>
    public NanoGptSidecar Declared { get; }

    /// <summary>The JSON's path.</summary>
    public string Sidecar { get; }

    /// <summary>The C# names of the properties that differ, in <see cref="GptOptions.All"/>'s order.</summary>
    public IReadOnlyList<string> Differing { get; }
}

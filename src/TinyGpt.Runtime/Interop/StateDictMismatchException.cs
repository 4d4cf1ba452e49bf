namespace TinyGpt.Interop;

/// <summary>
/// A weights file does not fit a model. One exception lists every tensor whose name, shape or
/// dtype differs, so that a user fixes the model's <c>[Gpt(...)]</c> once, not tensor by tensor.
/// </summary>
public sealed class StateDictMismatchException : Exception
{
    /// <summary>Creates the exception; the message lists <paramref name="mismatches"/> one per line.</summary>
    /// <param name="file">The weights file.</param>
    /// <param name="model">The model, as its name and architecture.</param>
    /// <param name="mismatches">Every disagreement.</param>
    /// <param name="note">A last line, e.g. the architecture the file's shapes describe.</param>
    public StateDictMismatchException(string file, string model, IReadOnlyList<TensorMismatch> mismatches, string? note = null)
        : base(Describe(file, model, mismatches, note))
    {
        File = file;
        Model = model;
        Mismatches = mismatches;
    }

    /// <summary>The weights file.</summary>
    public string File { get; }

    /// <summary>The model, as its name and architecture.</summary>
    public string Model { get; }

    /// <summary>Every disagreement, in the model's key order (unexpected names last).</summary>
    public IReadOnlyList<TensorMismatch> Mismatches { get; }

    static string Describe(string file, string model, IReadOnlyList<TensorMismatch> mismatches, string? note)
    {
        var lines = mismatches.Select(m => "  " + m);
        if (note is not null) lines = lines.Append(note);
        var count = mismatches.Count == 1 ? "1 tensor differs" : $"{mismatches.Count} tensors differ";
        return $"{file} does not fit {model}: {count}:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
    }
}

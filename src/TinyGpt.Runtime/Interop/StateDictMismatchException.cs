namespace TinyGpt.Interop;

/// <summary>How one tensor of a weights file disagrees with the model it is loaded into.</summary>
public enum MismatchKind
{
    /// <summary>The model has the tensor; the file does not.</summary>
    Missing,

    /// <summary>The file has a tensor the model does not know.</summary>
    Unexpected,

    /// <summary>Both have it, with different shapes.</summary>
    WrongShape,

    /// <summary>Both have it with the same shape, but the file's is not a floating-point tensor.</summary>
    WrongDtype,

    /// <summary>The model ties two names to one weight; the file gives them different values.</summary>
    TiedDiffer,
}

/// <summary>One line of a <see cref="StateDictMismatchException"/>.</summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="Name">The tensor's name (nanoGPT's key, prefix already removed).</param>
/// <param name="Expected">What the model has, e.g. <c>[64, 128]</c>; null when it has nothing.</param>
/// <param name="Found">What the file has; null when it has nothing.</param>
public sealed record TensorMismatch(MismatchKind Kind, string Name, string? Expected, string? Found)
{
    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        MismatchKind.Missing => $"missing      {Name} {Expected} (the model has it, the file does not)",
        MismatchKind.Unexpected => $"unexpected   {Name} {Found} (the file has it, the model does not)",
        MismatchKind.WrongShape => $"wrong shape  {Name}: model {Expected}, file {Found}",
        MismatchKind.WrongDtype => $"wrong dtype  {Name}: model {Expected}, file {Found}",
        MismatchKind.TiedDiffer => $"tied differ  {Name}: the model ties it to {Expected}, the file holds different values",
        _ => $"{Kind} {Name}",
    };
}

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

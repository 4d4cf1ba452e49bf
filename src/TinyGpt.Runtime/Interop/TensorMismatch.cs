namespace TinyGpt.Interop;

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

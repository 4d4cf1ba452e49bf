namespace TinyGpt;

/// <summary>
/// A problem the user can fix: a missing or unreadable file, a number out of range, a checkpoint
/// of another model. The message alone says what was wrong and what to do, in C# terms (the
/// property or argument to change), so a program can show it without a stack trace.
/// </summary>
public class TinyGptException : Exception
{
    /// <summary>Creates the error with its one user-facing message.</summary>
    public TinyGptException(string message) : base(message) { }

    /// <summary>Creates the error with its message and the low-level cause (shown only in verbose mode).</summary>
    public TinyGptException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>
    /// The property or argument that was wrong, spelled as the message spells it, e.g.
    /// <c>TrainingOptions.LearningRate</c> or <c>Corpus.Load(path)</c>; null when no single setting is to blame.
    /// A front end that exposes settings under other names (a command line's flags) maps this name to its own.
    /// </summary>
    public string? Option { get; init; }

    /// <summary>
    /// The closing advice of <see cref="Exception.Message"/> (what to do, in C# terms), when there is one.
    /// A front end can replace exactly this part with advice in its own terms.
    /// </summary>
    public string? Remedy { get; init; }

    /// <summary>
    /// An error about <paramref name="option"/>: the message is <paramref name="problem"/>, then
    /// <paramref name="remedy"/> when given (<paramref name="problem"/> ends with its own punctuation).
    /// </summary>
    public static TinyGptException About(string option, string problem, string? remedy = null, Exception? innerException = null)
    {
        var message = remedy is null ? problem : $"{problem} {remedy}";
        return innerException is null
            ? new TinyGptException(message) { Option = option, Remedy = remedy }
            : new TinyGptException(message, innerException) { Option = option, Remedy = remedy };
    }
}

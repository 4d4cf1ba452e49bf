namespace TinyGpt;

/// <summary>
/// A problem the user can fix: a missing or unreadable file, a number out of range, a checkpoint
/// of another model. The message alone says what was wrong and what to do, so a command line
/// prints it without a stack trace.
/// </summary>
public class TinyGptException : Exception
{
    /// <summary>Creates the error with its one user-facing message.</summary>
    public TinyGptException(string message) : base(message) { }

    /// <summary>Creates the error with its message and the low-level cause (shown only in verbose mode).</summary>
    public TinyGptException(string message, Exception innerException) : base(message, innerException) { }
}

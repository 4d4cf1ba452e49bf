namespace TinyGpt.Interop;

/// <summary>
/// A weights file was refused before any of it was used: it is damaged, or it asks for something a
/// state dict never needs (a callable, an impossible shape, bytes it does not hold). The message
/// is one line: the file, the entry in it, and the rule that entry breaks.
/// </summary>
public sealed class WeightFileException : TinyGptException
{
    /// <summary>Creates the refusal.</summary>
    /// <param name="file">The weights file.</param>
    /// <param name="entry">Where in it: a tensor name, a zip entry, a header field, a pickle position.</param>
    /// <param name="rule">What that entry breaks, as a sentence without a final period.</param>
    /// <param name="innerException">The low-level cause, if a library reported it (never shown in the message).</param>
    public WeightFileException(string file, string entry, string rule, Exception? innerException = null)
        : base(OneLine($"{file}: {entry}: {rule}."), innerException!)
    {
        File = file;
        Entry = entry;
        Rule = rule;
    }

    /// <summary>The weights file.</summary>
    public string File { get; }

    /// <summary>The part of the file that was refused.</summary>
    public string Entry { get; }

    /// <summary>The rule it breaks.</summary>
    public string Rule { get; }

    /// <summary>A name read from a file, quoted and cut to a readable length.</summary>
    internal static string Quote(string name) =>
        "\"" + (name.Length <= 80 ? name : name[..77] + "…") + "\"";

    // Names and values come from the file: a hostile one must not be able to add lines or flood a terminal.
    static string OneLine(string text)
    {
        var chars = text.Select(c => char.IsControl(c) ? ' ' : c).ToArray();
        return new string(chars);
    }
}

using Spectre.Console.Cli;

namespace TinyGpt.App.Cli;

/// <summary>Which exceptions are the user's to fix, and the message that tells them how.</summary>
public static class UserErrors
{
    /// <summary>
    /// The message for a user error, or null when <paramref name="exception"/> is a bug.
    /// <paramref name="help"/> is the command line that lists the options (<c>tinygpt train --help</c>).
    /// </summary>
    public static string? Describe(Exception exception, string help) => exception switch
    {
        TinyGptException e => OptionFlags.Translate(e),              // runtime (in C# terms, reworded in flags) and app
        CommandAppException e => $"{e.Message} See '{help}'.",       // unknown command or option, unparsable value, missing option
        _ => null,
    };
}

using Spectre.Console.Cli;

namespace TinyGpt.App.Cli;

/// <summary>Which exceptions are the user's to fix, and the message that tells them how.</summary>
public static class UserErrors
{
    /// <summary>The message for a user error, or null when <paramref name="exception"/> is a bug.</summary>
    public static string? Describe(Exception exception) => exception switch
    {
        TinyGptException e => e.Message,             // the runtime's and the app's own: bad file, checkpoint, prompt, model
        CommandAppException e => e.Message,          // unknown command or option, unparsable value, failed validation
        _ => null,
    };
}

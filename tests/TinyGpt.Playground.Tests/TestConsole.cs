using Spectre.Console;

namespace TinyGpt.Playground.Tests;

/// <summary>A console as a pipe sees it, for running <c>tinygpt</c> in-process: no colours, wide lines.</summary>
public static class TestConsole
{
    public static IAnsiConsole Plain(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 4096;
        return console;
    }
}

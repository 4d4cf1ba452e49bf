using System.ComponentModel;
using System.Text;
using Spectre.Console;
using Spectre.Console.Cli;
using TinyGpt.App.Cli;

namespace TinyGpt.App.Commands;

/// <summary>The options of <c>tinygpt data</c>.</summary>
public sealed class DataSettings : TinyGptSettings
{
    [CommandOption("-d|--data <PATH>")]
    [Description("A UTF-8 text file. Default: the embedded Tiny Shakespeare.")]
    public string? Data { get; init; }
}

/// <summary><c>tinygpt data</c>: what the walkthrough prints about its corpus.</summary>
public sealed class DataCommand(IAnsiConsole console) : Command<DataSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, DataSettings settings, CancellationToken cancellationToken)
    {
        var summary = Corpus.Load(settings.Data).Summarize(previewLength: 500);
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        grid.AddRow("Corpus", summary.Source.EscapeMarkup());
        grid.AddRow("Length", $"{Numbers.Count(summary.Characters)} characters");
        grid.AddRow("Vocabulary", $"{summary.VocabSize} distinct characters");
        grid.AddRow("Alphabet", Readable(summary.Alphabet).EscapeMarkup());
        grid.AddRow("Train / val", $"{Numbers.Count(summary.TrainTokens)} / {Numbers.Count(summary.ValTokens)} tokens (90 % / 10 %)");
        console.Write(grid);
        console.WriteLine();
        console.MarkupLine($"[bold]First {summary.Preview.EnumerateRunes().Count()} characters[/]");
        console.Write(new Panel(new Text(summary.Preview.Replace("\t", "    "))).Border(BoxBorder.Rounded));   // a tab has no width a box can measure
        return ExitCodes.Success;
    }

    /// <summary>The alphabet in one line: whitespace and control characters by name (\n, space, U+0007).</summary>
    public static string Readable(string alphabet)
    {
        var text = new StringBuilder();
        foreach (var rune in alphabet.EnumerateRunes())
        {
            text.Append(rune.Value switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                ' ' => "␣",
                _ when Rune.IsControl(rune) || Rune.IsWhiteSpace(rune) => $"U+{rune.Value:X4}",
                _ => rune.ToString(),
            });
            text.Append(' ');
        }
        return text.ToString().TrimEnd();
    }
}

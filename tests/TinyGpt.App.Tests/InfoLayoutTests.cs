using Spectre.Console;
using TinyGpt.App.Cli;

namespace TinyGpt.App.Tests;

/// <summary><c>tinygpt info</c> in an 80-column terminal or a pipe: nothing wraps that should not, no header is cut.</summary>
public sealed class InfoLayoutTests
{
    private static string[] Info(string model, int width)
    {
        var output = new StringWriter();
        var console = CliRun.PlainConsole(output);
        console.Profile.Width = width;
        var code = TinyGptCli.Run(["info", "--model", model], console, CliRun.PlainConsole(new StringWriter()));
        Assert.Equal(ExitCodes.Success, code);
        return output.ToString().ReplaceLineEndings("\n").Split('\n');
    }

    private static string TableLine(string[] lines, string module) =>
        Assert.Single(lines, l => l.StartsWith('│') && l.Split('│')[1].Trim() == module);

    [Theory]
    [InlineData("baby", "[1, 64, 65]", "[1, 64, 384]")]
    [InlineData("shakespeare", "[1, 256, 65]", "[1, 256, 1152]")]
    [InlineData("bigram", "[1, 8, 65]", "[1, 8, 65]")]
    [InlineData("lecture", "[1, 256, 65]", "[1, 256, 1536]")]
    [InlineData("modern", "[1, 64, 65]", "[1, 4, 64, 32]")]
    public void Fits_80_columns_with_every_shape_on_one_line_and_whole_headers(string model, string logits, string widest)
    {
        var lines = Info(model, 80);
        Assert.All(lines, line => Assert.True(line.Length <= 80, $"{line.Length} columns: {line}"));
        Assert.DoesNotContain(lines, line => line.Contains('…'));           // nothing cut short
        var header = TableLine(lines, "Module");
        Assert.Equal(["Module", "Type", "Output", "Parameters"], header.Split('│', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(logits, TableLine(lines, model));                   // the model's row holds its whole output shape
        Assert.Contains(lines, l => l.Contains(widest));
        // Each row is one line: a module's cells never spill onto a line of their own.
        Assert.DoesNotContain(lines, l => l.StartsWith('│') && l.Split('│')[1].Trim().Length == 0);
    }

    [Theory]
    [InlineData("lecture", "Layers = 6 · Heads = 6 · Embd = 384 · BlockSize = 256 · VocabSize = 65 · Dropout = 0.2 · Bias = true · TieWeights = false",
        "Options set: Activation = Relu · QkvBias = false · LmHeadBias = true", "10,788,929")]
    [InlineData("modern", "Layers = 4 · Heads = 4 · Embd = 128 · BlockSize = 64 · VocabSize = 65 · Dropout = 0 · Bias = false · TieWeights = false",
        "Options set: Activation = ReluSquared · Norm = RmsNorm · NormWeights = false · Positions = Rotary · KvHeads = 2 · QkNorm = true · " +
        "EmbeddingNorm = true · LogitSoftcap = 15", null)]
    [InlineData("baby", "Layers = 4 · Heads = 4 · Embd = 128 · BlockSize = 64 · VocabSize = 65 · Dropout = 0 · Bias = false · TieWeights = true",
        "Options set: none (nanoGPT's GPT-2 block)", null)]
    public void The_options_a_model_sets_are_listed_apart_from_those_at_their_defaults(string model, string hyperparameters, string set, string? parameters)
    {
        var wide = Info(model, 400);
        Assert.Contains(hyperparameters, wide);
        Assert.Contains(set, wide);
        var defaults = Assert.Single(wide, l => l.StartsWith("At their defaults: "));
        foreach (var option in set["Options set: ".Length..].Split(" · ").Where(o => o.Contains(" = ")))
            Assert.DoesNotContain(option.Split(" = ")[0] + " = ", defaults);   // each option once, set or default
        if (parameters is not null)
            Assert.Contains($"Parameters: {parameters} distinct", wide);       // the lecture's gpt.py's count

        // At 80 columns the same words, broken between options.
        var narrow = Info(model, 80);
        var header = string.Join(" ", narrow.TakeWhile(l => !l.StartsWith('╭')).Select(l => l.TrimEnd()));
        Assert.Contains(set, header);
    }

    [Fact]
    public void Nested_modules_stay_in_their_column_and_the_tie_is_noted_below_the_table()
    {
        var lines = Info("baby", 80);
        var row = lines.First(l => l.Contains("resid_dropout"));
        Assert.Contains("FastDropout", row);                                // name, type and shape on one row
        Assert.Contains("[1, 64, 128]", row);
        Assert.StartsWith("│           resid_dropout", row);                // indented five levels, like its siblings
        Assert.Contains(lines, l => l.StartsWith("lm_head is tied to transformer.wte"));
    }

    [Fact]
    public void A_wide_console_shows_the_tie_in_its_row()
    {
        var lines = Info("baby", 120);
        Assert.Contains("Linear, tied to transformer.wte", TableLine(lines, "lm_head"));
        Assert.DoesNotContain(lines, l => l.StartsWith("lm_head is tied"));
    }

    [Fact]
    public void A_pipe_gets_the_80_column_layout()
    {
        var result = CliRun.OutOfProcess("info");                             // stdout redirected: Spectre assumes 80 columns
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.ReplaceLineEndings("\n").Split('\n');
        Assert.All(lines, line => Assert.True(line.Length <= 80, $"{line.Length} columns: {line}"));
        Assert.Contains("[1, 64, 65]", TableLine(lines, "baby"));
    }
}

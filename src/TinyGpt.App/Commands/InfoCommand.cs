using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using TinyGpt.App.Cli;
using TinyGpt.App.Models;
using TinyGpt.Interop;
using static TorchSharp.torch;

namespace TinyGpt.App.Commands;

/// <summary>The options of <c>tinygpt info</c>.</summary>
public sealed class InfoSettings : TinyGptSettings
{
    [CommandOption("-m|--model <NAME>")]
    [Description("The model to describe: baby, shakespeare, lecture, modern or bigram.")]
    [DefaultValue(ModelCatalog.DefaultName)]
    public string Model { get; init; } = ModelCatalog.DefaultName;
}

/// <summary>
/// <c>tinygpt info</c>: the model's config as <c>[Gpt(...)]</c> spells it (the options it sets apart from those at their
/// defaults), every module with the shape it outputs for one sequence of BlockSize tokens, its parameter count, and the
/// totals (a tied weight counted once).
/// </summary>
public sealed class InfoCommand(IAnsiConsole console) : Command<InfoSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, InfoSettings settings, CancellationToken cancellationToken)
    {
        var entry = ModelCatalog.Find(settings.Model);
        using var model = entry.Create(Corpus.Load().Tokenizer.VocabSize);
        var config = model.Config;

        var width = console.Profile.Width;
        console.MarkupLine($"[bold]{entry.Name.EscapeMarkup()}[/] ({model.GetType().Name}): {entry.Summary.EscapeMarkup()}");
        foreach (var line in ConfigLines(config, width))
            console.MarkupLine($"[grey]{line.EscapeMarkup()}[/]");

        var rows = ModuleShapes.Describe(model, entry.Name, config.BlockSize);
        var layout = ModuleTable.Fit(rows, width);
        console.Write(layout.Render(rows, $"output shapes for one sequence of BlockSize tokens: B = 1, T = {config.BlockSize}"));
        foreach (var row in rows.Where(r => r.TiedTo is not null && !layout.TiesInline))
            console.MarkupLine($"[grey]{row.Name.EscapeMarkup()} is tied to {row.TiedTo.EscapeMarkup()}: one weight, counted once.[/]");

        long distinct = model.DistinctParameters().Sum(p => p.numel());
        long listed = model.parameters().Sum(p => p.numel());
        var tied = listed == distinct ? "" : $" ({Numbers.Count(listed - distinct)} more are tied copies)";
        console.MarkupLine($"Parameters: [bold]{Numbers.Count(distinct)}[/] distinct{tied}");
        console.MarkupLine($"FLOPs per token (training, forward + backward): [bold]{Numbers.Count(model.TrainingFlopsPerToken)}[/]");
        var d = entry.Defaults;
        console.MarkupLine(Numbers.Invariant(
            $"Training defaults: {d.Steps} steps, batch {d.BatchSize}, lr {d.LearningRate} → {d.MinLearningRate} after {d.Warmup} warmup steps, evaluation every {d.EvalInterval} steps over {d.EvalIters} batches"));
        console.MarkupLine($"Precision: --precision auto computes in [bold]{PrecisionOption.DescribeAuto(TorchDevice.Resolve("auto")).EscapeMarkup()}[/] on this machine " +
                           $"(the model's own default: {PrecisionOption.Name(model.ComputePrecision)})");
        return ExitCodes.Success;
    }

    /// <summary>
    /// The model's config as <c>[Gpt(...)]</c> spells it, broken to <paramref name="width"/>: nanoGPT's hyperparameters,
    /// then the architecture options the model sets (those that differ from their defaults, which is what makes the
    /// lecture's or nanochat's block), then the ones it leaves at their defaults.
    /// </summary>
    internal static IEnumerable<string> ConfigLines(GptConfig c, int width)
    {
        string[] nanoGpt =
        [
            nameof(GptConfig.Layers), nameof(GptConfig.Heads), nameof(GptConfig.Embd), nameof(GptConfig.BlockSize),
            nameof(GptConfig.VocabSize), nameof(GptConfig.Dropout), nameof(GptConfig.Bias), nameof(GptConfig.TieWeights),
        ];
        var hyperparameters = GptOptions.All.Where(o => nanoGpt.Contains(o.Name)).Select(o => o.Assignment(c));
        if (c.IsBigram)
            return Lines(hyperparameters, " · ", width);                 // no transformer, so no architecture options
        var options = GptOptions.All.Where(o => !nanoGpt.Contains(o.Name)).ToList();
        var set = options.Where(o => !o.IsDefaultIn(c)).Select(o => o.Assignment(c)).ToList();
        var defaults = options.Where(o => o.IsDefaultIn(c)).Select(o => o.Assignment(c)).ToList();
        return Lines(hyperparameters, " · ", width)
            .Concat(Lines(["Options set:", .. set.Count == 0 ? ["none (nanoGPT's GPT-2 block)"] : Separated(set)], " ", width))
            .Concat(defaults.Count == 0 ? [] : Lines(["At their defaults:", .. Separated(defaults)], " ", width));
    }

    // Each part but the last ends in " ·", so that a line broken between parts still reads as a list.
    private static IEnumerable<string> Separated(IReadOnlyList<string> parts) =>
        parts.Select((part, i) => i < parts.Count - 1 ? part + " ·" : part);

    /// <summary><paramref name="parts"/> joined by <paramref name="separator"/>, broken between parts so that no line exceeds <paramref name="width"/>.</summary>
    private static IEnumerable<string> Lines(IEnumerable<string> parts, string separator, int width)
    {
        var line = "";
        foreach (var part in parts)
        {
            if (line.Length > 0 && line.Length + separator.Length + part.Length > width)
            {
                yield return line;
                line = "";
            }
            line = line.Length == 0 ? part : line + separator + part;
        }
        if (line.Length > 0)
            yield return line;
    }
}

using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using TinyGpt.App.Cli;
using TinyGpt.App.Models;
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
/// <c>tinygpt info</c>: every module of a model with the shape it outputs for one sequence of
/// BlockSize tokens, its parameter count, and the totals (a tied weight counted once).
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
        string[] hyperparameters =
        [
            $"Layers {config.Layers}", $"Heads {config.Heads}", $"Embd {config.Embd}", $"BlockSize {config.BlockSize}",
            $"VocabSize {config.VocabSize}", $"Dropout {config.Dropout.ToString(CultureInfo.InvariantCulture)}",
            $"Bias {config.Bias}", $"TieWeights {config.TieWeights}",
        ];
        foreach (var line in Lines(hyperparameters, " · ", width))
            console.MarkupLine($"[grey]{line.EscapeMarkup()}[/]");
        if (!config.IsBigram)
            foreach (var line in Lines(ArchitectureParts(config), " · ", width))
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

    /// <summary>The architecture options, each as the attribute spells it.</summary>
    internal static IEnumerable<string> ArchitectureParts(GptConfig c)
    {
        var norm = c.Norm == Norm.RmsNorm ? "RMSNorm" : "LayerNorm";
        var parts = new List<string>
        {
            $"Activation {c.Activation}",
            $"Norm {norm}{(c.NormWeights ? "" : " (parameter-free)")}",
            c.Positions == Positions.Rotary ? Numbers.Invariant($"Positions Rotary (base {c.RopeBase})") : "Positions Learned",
            c.KvHeads == c.Heads ? $"KvHeads {c.KvHeads} (= Heads)" : $"KvHeads {c.KvHeads} (grouped-query)",
            $"QkNorm {c.QkNorm}",
            $"EmbeddingNorm {c.EmbeddingNorm}",
            c.LogitSoftcap > 0 ? Numbers.Invariant($"LogitSoftcap {c.LogitSoftcap}") : "LogitSoftcap off",
            $"QkvBias {c.QkvBias}",
            $"LmHeadBias {c.LmHeadBias}",
            $"MlpHidden {c.MlpHidden}",
        };
        return parts;
    }

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

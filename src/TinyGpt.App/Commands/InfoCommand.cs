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
    [Description("The model to describe: baby, shakespeare or bigram.")]
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

        console.MarkupLine($"[bold]{entry.Name.EscapeMarkup()}[/] ({model.GetType().Name}): {entry.Summary.EscapeMarkup()}");
        console.MarkupLine(
            $"[grey]Layers {config.Layers} · Heads {config.Heads} · Embd {config.Embd} · BlockSize {config.BlockSize} · " +
            $"VocabSize {config.VocabSize} · Dropout {config.Dropout.ToString(CultureInfo.InvariantCulture)} · " +
            $"Bias {config.Bias} · TieWeights {config.TieWeights}[/]");

        var table = new Table().Border(TableBorder.Rounded)
            .Caption($"output shapes for one sequence of BlockSize tokens: B = 1, T = {config.BlockSize}")
            .AddColumn(new TableColumn("Module").NoWrap())
            .AddColumn(new TableColumn("Type").NoWrap())
            .AddColumn(new TableColumn("Output").NoWrap())
            .AddColumn(new TableColumn("Parameters").NoWrap().RightAligned());
        foreach (var row in ModuleShapes.Describe(model, entry.Name, config.BlockSize))
            table.AddRow(
                new Text(new string(' ', 2 * row.Depth) + row.Name),
                new Text(row.Type, new Style(Color.Grey)),
                new Text(row.Output is { } shape ? $"[{string.Join(", ", shape)}]" : ""),
                new Text(row.Parameters == 0 ? "" : Numbers.Count(row.Parameters)));
        console.Write(table);

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
}

using Spectre.Console;
using Spectre.Console.Cli;
using TinyGpt.App.Cli;
using TinyGpt.App.Models;

namespace TinyGpt.App.Commands;

/// <summary>
/// <c>tinygpt train</c>: trains a catalog model on a corpus into a run directory, showing
/// progress, and prints a short sample at the end. Ctrl+C saves a checkpoint and exits with 130 (SIGTERM: 143).
/// A fresh run into a directory that holds one is refused unless <c>--overwrite</c> is given.
/// </summary>
public sealed class TrainCommand(IAnsiConsole console) : Command<TrainSettings>
{
    /// <summary>The seed of a run started without <c>--seed</c>, as nanoGPT's.</summary>
    public const int DefaultSeed = 1337;

    /// <summary>Characters of the sample printed after training.</summary>
    public const int SampleLength = 300;

    /// <inheritdoc />
    public override int Execute(CommandContext context, TrainSettings settings, CancellationToken cancellationToken)
    {
        var (entry, outDirectory, resumed) = ChooseRun(settings);
        var previous = resumed?.Metadata;
        var options = Options(settings, entry, previous);
        Trainer.EnsureCanStartIn(outDirectory, options);   // refused before the corpus is read and the model built
        TorchDevice.SetThreads(settings.Threads);
        var corpus = Corpus.Load(settings.Data);

        // Refuse a run that cannot fit before its weights exist (the trainer checks again for library users).
        MemoryGuard.EnsureFits(MemoryGuard.Estimate(entry.ConfigFor(corpus.Tokenizer.VocabSize), options.BatchSize), entry.Name);

        using var model = entry.Create(corpus.Tokenizer.VocabSize, options.Seed);   // the same seed gives the same initial weights
        var trainer = new Trainer(model, corpus, options, outDirectory, resumed);
        var parameters = model.DistinctParameters().Sum(p => p.numel());
        var from = previous is null ? "" : $", resuming at step {previous.Step}";
        console.MarkupLine(
            $"Training [bold]{entry.Name}[/] ({Numbers.Count(parameters)} parameters) on {corpus.Source.EscapeMarkup()}: " +
            $"{options.Steps} steps of {options.BatchSize} × {model.Config.BlockSize} tokens, " +
            Numbers.Invariant($"lr {options.LearningRate:G3} → {options.MinLearningRate:G3}, {Where(trainer.Device)}, ") +
            $"{Computes(options.Precision ?? previous?.ComputePrecision ?? model.ComputePrecision, trainer.Device)}{from}");
        console.MarkupLine($"[grey]Run directory: {Path.GetFullPath(outDirectory).EscapeMarkup()} (Ctrl+C saves a checkpoint and stops)[/]");

        var result = TrainingView.Show(console, previous?.Step ?? 0, options.Steps, progress => trainer.Train(progress, cancellationToken));

        if (result.Interrupted)
        {
            console.MarkupLine(
                $"[yellow]Interrupted at step {result.Step}/{result.TotalSteps}; checkpoint saved.[/] " +
                $"Continue with: tinygpt train --out {Quote(outDirectory).EscapeMarkup()}" +
                (settings.Data is { } data ? $" --data {Quote(data).EscapeMarkup()}" : "") + " --resume");
            return ExitCodes.Interrupted;
        }
        Summarize(result);

        console.MarkupLine($"[bold]Sample[/] [grey]({SampleLength} characters, temperature 0.8)[/]");
        var sampling = new SamplingOptions { Prompt = SamplePrompt(corpus), MaxNewTokens = SampleLength, Temperature = 0.8, Seed = options.Seed };
        SampleWriter.Write(console, new Sampler(model, corpus.Tokenizer), sampling, cancellationToken);
        console.MarkupLine($"[grey]More: tinygpt sample --checkpoint {Quote(outDirectory).EscapeMarkup()} --prompt \"ROMEO:\"[/]");
        return ExitCodes.Success;
    }

    /// <summary>
    /// The model, the run directory and, with <c>--resume</c>, the checkpoint to continue (opened and
    /// verified here, once, for the trainer): a resumed run keeps its model unless <c>--model</c> says
    /// otherwise (a mismatch is reported by the runtime).
    /// </summary>
    private static (ModelEntry Entry, string Out, Checkpoint? Resumed) ChooseRun(TrainSettings settings)
    {
        var outDirectory = settings.Out ?? Path.Combine("runs", (settings.Model ?? ModelCatalog.DefaultName).ToLowerInvariant());
        if (!settings.Resume)
            return (ModelCatalog.Find(settings.Model ?? ModelCatalog.DefaultName), outDirectory, null);
        var checkpoint = Trainer.OpenForResume(outDirectory);
        var entry = settings.Model is null ? ModelCatalog.ForCheckpoint(checkpoint.Metadata, outDirectory) : ModelCatalog.Find(settings.Model);
        return (entry, outDirectory, checkpoint);
    }

    /// <summary>The options given, else the resumed run's, else the model's defaults.</summary>
    private static TrainingOptions Options(TrainSettings s, ModelEntry entry, CheckpointMetadata? previous)
    {
        var d = entry.Defaults;
        var run = previous?.Options;
        return new TrainingOptions
        {
            Steps = s.Steps ?? run?.Steps ?? d.Steps,
            BatchSize = s.BatchSize ?? run?.BatchSize ?? d.BatchSize,
            LearningRate = s.LearningRate ?? run?.LearningRate ?? d.LearningRate,
            MinLearningRate = s.MinLearningRate ?? run?.MinLearningRate ?? d.MinLearningRate,
            WarmupSteps = s.Warmup ?? run?.WarmupSteps ?? d.Warmup,
            DecaySteps = s.LrDecaySteps ?? run?.DecaySteps,
            EvalInterval = s.EvalInterval ?? run?.EvalInterval ?? d.EvalInterval,
            EvalIters = s.EvalIters ?? run?.EvalIters ?? d.EvalIters,
            Seed = s.Seed ?? run?.Seed ?? DefaultSeed,
            Device = s.Device,
            // The first command is fast by default; a resumed run keeps the precision it recorded unless told.
            Precision = PrecisionOption.Parse(s.Precision) ?? (previous is null ? Precision.Auto : null),
            Resume = s.Resume,
            Overwrite = s.Overwrite,
        }.Validate();
    }

    private void Summarize(TrainingResult result)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        grid.AddRow("Final loss", Numbers.Invariant($"train {result.TrainLoss:F4}, val {result.ValLoss:F4} (best val {result.BestValLoss:F4})"));
        grid.AddRow("Time", Numbers.Invariant($"{result.Elapsed.TotalSeconds:F1} s"));
        grid.AddRow("Checkpoints", Path.Combine(result.RunDirectory, Checkpoint.LatestPointer).EscapeMarkup() + ", " +
                                   Path.Combine(result.RunDirectory, Checkpoint.BestPointer).EscapeMarkup());
        grid.AddRow("Log", Path.Combine(result.RunDirectory, TrainingLog.FileName).EscapeMarkup() +
                           (result.PlotPath is { } plot ? ", " + plot.EscapeMarkup() : ""));
        console.Write(grid);
    }

    /// <summary>A newline, as nanoGPT starts, unless the corpus has none: then its first character.</summary>
    private static string SamplePrompt(Corpus corpus) =>
        corpus.Tokenizer.Vocabulary.Contains('\n') ? "\n" : corpus.Text.EnumerateRunes().First().ToString();

    private static string Where(TorchSharp.torch.Device device) => device.type.ToString().ToLowerInvariant() switch
    {
        "cpu" => $"CPU ({TorchSharp.torch.get_num_threads()} threads)",
        var other => other.ToUpperInvariant(),
    };

    /// <summary>The precision the run will compute in, and for auto why.</summary>
    private static string Computes(Precision precision, TorchSharp.torch.Device device) =>
        precision == Precision.Auto ? $"{PrecisionOption.DescribeAuto(device)}" : PrecisionOption.Name(precision);

    private static string Quote(string path) => path.Contains(' ') ? $"\"{path}\"" : path;
}

using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using TinyGpt.App.Cli;
using TinyGpt.App.Models;
using TinyGpt.Interop;

namespace TinyGpt.App.Commands;

/// <summary>The options of <c>tinygpt import</c>.</summary>
public sealed class ImportSettings : TinyGptSettings
{
    [CommandOption("-w|--weights <FILE>", isRequired: true)]
    [Description("A state dict in nanoGPT's, the lecture's or nanochat's names (detected): torch.save(model.state_dict()) .pt, nanoGPT's ckpt.pt, or safetensors. A JSON from 'tinygpt export' beside it must describe --model.")]
    public string Weights { get; init; } = "";

    [CommandOption("-m|--model <NAME>", isRequired: true)]
    [Description("The TinyGpt model whose architecture the weights have: baby, shakespeare, lecture or modern.")]
    public string Model { get; init; } = "";

    [CommandOption("-o|--out <DIR>", isRequired: true)]
    [Description("The run directory to write the checkpoint into ('tinygpt sample --checkpoint DIR' reads it).")]
    public string Out { get; init; } = "";

    [CommandOption("--vocab <JSON>")]
    [Description("The vocabulary: a JSON from 'tinygpt export' or a JSON copy of nanoGPT's meta.pkl. Default: the JSON beside --weights, else Tiny Shakespeare's characters.")]
    public string? Vocab { get; init; }

    [CommandOption("--overwrite")]
    [Description("Replace the run already in --out (its checkpoints, log and loss curve); refused without it.")]
    public bool Overwrite { get; init; }

    /// <inheritdoc />
    protected override string? Check() =>
        string.IsNullOrWhiteSpace(Weights) ? "--weights needs a file, e.g. --weights ckpt.pt."
        : string.IsNullOrWhiteSpace(Model) ? "--model needs a model name, e.g. --model shakespeare."
        : string.IsNullOrWhiteSpace(Out) ? "--out needs a run directory, e.g. --out runs/imported."
        : base.Check();
}

/// <summary>
/// <c>tinygpt import</c>: turns nanoGPT weights into a TinyGpt checkpoint that <c>sample</c> and
/// <c>export</c> read. Nothing is written unless every tensor fits the chosen model.
/// </summary>
public sealed class ImportCommand(IAnsiConsole console) : Command<ImportSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, ImportSettings settings, CancellationToken cancellationToken)
    {
        var entry = ModelCatalog.Find(settings.Model);
        if (!settings.Overwrite && Checkpoint.DescribeRun(settings.Out) is { } run)
            throw new TinyGptException($"'{settings.Out}' already holds a run ({run}). Import into another --out, or replace it with --overwrite.");
        if (!File.Exists(settings.Weights))
            throw new TinyGptException($"The weights file '{settings.Weights}' does not exist. Pass the .pt or .safetensors file nanoGPT saved.");

        var vocabulary = InteropErrors.Translate(() => NanoGptSidecar.FindVocabulary(settings.Weights, settings.Vocab));
        var vocabularySource = vocabulary is null ? "Tiny Shakespeare's characters (no --vocab and no JSON beside the weights)" : "the given vocabulary";
        vocabulary ??= Corpus.Load().Tokenizer.Vocabulary;
        var tokenizer = CharTokenizer.FromVocabulary(vocabulary);

        using var model = entry.Create(tokenizer.VocabSize);
        tokenizer.EnsureFits(model.Config, model.GetName());
        var summary = InteropErrors.Translate(() => NanoGptImport.LoadInto(model, settings.Weights));

        var metadata = new CheckpointMetadata { ModelName = model.GetName(), Config = model.Config, Vocabulary = tokenizer.Vocabulary };
        if (settings.Overwrite)   // only now that the weights fit: a failed import leaves the old run alone
            RemoveRun(settings.Out);
        var written = InteropErrors.Translate(() => Checkpoint.Save(settings.Out, model, optimizer: null, metadata, isBest: true));

        console.MarkupLine($"Imported {summary.Loaded} tensors ({summary.Format.Name()}) into {model.GetName().EscapeMarkup()}; vocabulary: {vocabularySource.EscapeMarkup()}.");
        if (summary.Layout != StateDictLayout.NanoGpt)
            console.MarkupLine($"The file has {UpstreamLayouts.Name(summary.Layout).EscapeMarkup()}'s names; they were mapped to nanoGPT's (one fused attn.c_attn).");
        if (summary.DroppedMaskBuffers.Count > 0)
            console.MarkupLine($"Dropped {summary.DroppedMaskBuffers.Count} causal-mask buffers (*.attn.bias), which old PyTorch versions store.");
        if (summary.StrippedCompilePrefix)
            console.MarkupLine("Removed the _orig_mod. prefix that torch.compile adds.");
        console.MarkupLine($"Checkpoint: [bold]{written.EscapeMarkup()}[/]. Try: tinygpt sample --checkpoint {settings.Out.EscapeMarkup()}");
        return ExitCodes.Success;
    }

    /// <summary>The replaced run's checkpoints, and its log and plot, which would describe other weights.</summary>
    private static void RemoveRun(string runDirectory)
    {
        Checkpoint.Clear(runDirectory);
        foreach (var file in new[] { TrainingLog.FileName, LossPlot.FileName })
            File.Delete(Path.Combine(runDirectory, file));
    }
}

using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using TinyGpt.App.Cli;
using TinyGpt.App.Models;
using TinyGpt.Interop;

namespace TinyGpt.App.Commands;

/// <summary>The options of <c>tinygpt export</c>.</summary>
public sealed class ExportSettings : TinyGptSettings
{
    [CommandOption("-c|--checkpoint <DIR>", isRequired: true)]
    [Description("The run directory written by 'tinygpt train' (its --out).")]
    public string Checkpoint { get; init; } = "";

    [CommandOption("-o|--out <FILE>", isRequired: true)]
    [Description("The weights file to write; a JSON with the config and vocabulary goes beside it.")]
    public string Out { get; init; } = "";

    [CommandOption("-f|--format <FORMAT>")]
    [Description("pt (torch.save) or safetensors. Default: from --out's extension, else safetensors.")]
    public string? Format { get; init; }

    [CommandOption("--overwrite")]
    [Description("Replace --out and the JSON beside it if they exist; refused without it.")]
    public bool Overwrite { get; init; }

    [CommandOption("--layout <LAYOUT>")]
    [Description("Whose parameter names to write: nanogpt (default), lecture (ng-video-lecture's gpt.py) or nanochat.")]
    public string? Layout { get; init; }

    /// <summary>The chosen layout, or null when <see cref="Layout"/> names none.</summary>
    internal StateDictLayout? ParsedLayout => (Layout?.Trim().ToLowerInvariant() ?? "nanogpt") switch
    {
        "nanogpt" => StateDictLayout.NanoGpt,
        "lecture" => StateDictLayout.Lecture,
        "nanochat" => StateDictLayout.Nanochat,
        _ => null,
    };

    /// <inheritdoc />
    protected override string? Check() =>
        string.IsNullOrWhiteSpace(Checkpoint) ? "--checkpoint needs a run directory, e.g. --checkpoint runs/baby."
        : string.IsNullOrWhiteSpace(Out) ? "--out needs a file, e.g. --out baby.safetensors."
        : Format is not null && Format.Trim().ToLowerInvariant() is not ("pt" or "safetensors") ? $"--format must be pt or safetensors; got '{Format}'."
        : ParsedLayout is null ? $"--layout must be nanogpt, lecture or nanochat; got '{Layout}'."
        : base.Check();
}

/// <summary>
/// <c>tinygpt export</c>: writes a checkpoint's weights under nanoGPT's names, loadable by
/// nanoGPT's <c>GPT.load_state_dict</c>, and its config and vocabulary as nanoGPT's <c>meta.pkl</c> holds them.
/// Existing files are replaced only with <c>--overwrite</c>: <c>--out</c> may name nanoGPT's own <c>ckpt.pt</c>.
/// </summary>
public sealed class ExportCommand(IAnsiConsole console) : Command<ExportSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, ExportSettings settings, CancellationToken cancellationToken)
    {
        if (!settings.Overwrite)
            EnsureNothingToReplace(settings.Out);
        var checkpoint = Checkpoint.Open(settings.Checkpoint);
        var entry = ModelCatalog.ForCheckpoint(checkpoint.Metadata, settings.Checkpoint);
        using var model = entry.Create(checkpoint.Metadata.Config.VocabSize);
        checkpoint.LoadWeights(model);

        var files = InteropErrors.Translate(() => NanoGptExport.Write(
            model, checkpoint.Tokenizer.Vocabulary, settings.Out,
            settings.Format is null ? null : WeightFormats.Parse(settings.Format), settings.ParsedLayout!.Value));
        console.MarkupLine($"Wrote {files.Format.Name()} weights of {model.GetName().EscapeMarkup()} under {UpstreamLayouts.Name(settings.ParsedLayout!.Value).EscapeMarkup()}'s names to [bold]{files.Weights.EscapeMarkup()}[/]");
        console.MarkupLine($"and its config and vocabulary to [bold]{files.Sidecar.EscapeMarkup()}[/].");
        return ExitCodes.Success;
    }

    private static void EnsureNothingToReplace(string weights)
    {
        var sidecar = NanoGptSidecar.PathFor(weights);
        var existing = new[] { weights, sidecar }.Where(File.Exists).Select(path => $"'{path}'").ToArray();
        if (existing.Length > 0)
            throw new TinyGptException(
                $"{string.Join(" and ", existing)} already exist{(existing.Length == 1 ? "s" : "")}. " +
                $"Export to another --out, or replace {Path.GetFileName(weights)} and {Path.GetFileName(sidecar)} with --overwrite.");
    }
}

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
    [Description("The file to write: .pt, .safetensors or .onnx (its format, unless --format says); a JSON with the config and vocabulary goes beside it, and for .onnx the KV-cache graph FILE.kv.onnx too.")]
    public string Out { get; init; } = "";

    [CommandOption("-f|--format <FORMAT>")]
    [Description("pt (torch.save), safetensors, or onnx (runs in ONNX Runtime without libtorch). Default: from --out's extension.")]
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
        : Format is not null && Format.Trim().ToLowerInvariant() is not ("pt" or "safetensors" or OnnxFormat) ? $"--format must be pt, safetensors or onnx; got '{Format}'."
        : Format is null && FormatOf(Out) is null ? $"--out '{Out}' has an extension that names no format: use .pt, .safetensors or .onnx, or give --format pt, safetensors or onnx."
        : IsOnnx && !Out.EndsWith(OnnxExport.Extension, StringComparison.OrdinalIgnoreCase) ? $"--format onnx writes a {OnnxExport.Extension} file; give --out a name ending in {OnnxExport.Extension}."
        : ParsedLayout is null ? $"--layout must be nanogpt, lecture or nanochat; got '{Layout}'."
        : base.Check();

    /// <summary>The name <c>--format</c> takes for ONNX.</summary>
    public const string OnnxFormat = "onnx";

    /// <summary>True when the export is ONNX (asked, or by <c>--out</c>'s extension).</summary>
    public bool IsOnnx => (Format?.Trim().ToLowerInvariant() ?? FormatOf(Out)) == OnnxFormat;

    /// <summary>The weights format for pt and safetensors exports: the one asked, else the extension's.</summary>
    public WeightFormat WeightFormat => Format is null ? WeightFormats.FromExtension(Out)!.Value : WeightFormats.Parse(Format);

    private static string? FormatOf(string path) =>
        path.EndsWith(OnnxExport.Extension, StringComparison.OrdinalIgnoreCase) ? OnnxFormat : WeightFormats.FromExtension(path)?.Name();
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
            EnsureNothingToReplace(settings.Out, settings.IsOnnx);
        var checkpoint = Checkpoint.Open(settings.Checkpoint);
        var entry = ModelCatalog.ForCheckpoint(checkpoint.Metadata, settings.Checkpoint);
        using var model = entry.Create(checkpoint.Metadata.Config.VocabSize);
        checkpoint.LoadWeights(model);

        if (settings.IsOnnx)
        {
            var onnx = InteropErrors.Translate(() => OnnxExport.Write(model, checkpoint.Tokenizer.Vocabulary, settings.Out));
            console.MarkupLine($"Wrote {model.GetName().EscapeMarkup()} as ONNX to [bold]{onnx.Model.EscapeMarkup()}[/]" +
                (onnx.CachedModel is null ? "" : $" (with a KV cache: [bold]{onnx.CachedModel.EscapeMarkup()}[/])"));
            console.MarkupLine($"and its config and vocabulary to [bold]{onnx.Sidecar.EscapeMarkup()}[/].");
            return ExitCodes.Success;
        }
        var files = InteropErrors.Translate(() => NanoGptExport.Write(
            model, checkpoint.Tokenizer.Vocabulary, settings.Out, settings.WeightFormat, settings.ParsedLayout!.Value));
        console.MarkupLine($"Wrote {files.Format.Name()} weights of {model.GetName().EscapeMarkup()} under {UpstreamLayouts.Name(settings.ParsedLayout!.Value).EscapeMarkup()}'s names to [bold]{files.Weights.EscapeMarkup()}[/]");
        console.MarkupLine($"and its config and vocabulary to [bold]{files.Sidecar.EscapeMarkup()}[/].");
        return ExitCodes.Success;
    }

    private static void EnsureNothingToReplace(string weights, bool onnx)
    {
        var sidecar = NanoGptSidecar.PathFor(weights);
        string[] written = onnx ? [weights, OnnxExport.CachedModelPath(weights), sidecar] : [weights, sidecar];
        var existing = written.Where(File.Exists).Select(path => $"'{path}'").ToArray();
        if (existing.Length > 0)
            throw new TinyGptException(
                $"{string.Join(" and ", existing)} already exist{(existing.Length == 1 ? "s" : "")}. " +
                $"Export to another --out, or replace {string.Join(" and ", written.Select(Path.GetFileName))} with --overwrite.");
    }
}

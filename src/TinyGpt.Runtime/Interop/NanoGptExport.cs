namespace TinyGpt.Interop;

/// <summary>
/// Writes a TinyGpt model as nanoGPT expects it: <c>GPT(GPTConfig(**model_args)).load_state_dict(torch.load(FILE))</c>
/// loads it strictly, with no renaming.
/// </summary>
public static class NanoGptExport
{
    /// <summary>
    /// Writes the model's state dict to <paramref name="path"/> under nanoGPT's names and shapes,
    /// and the JSON with its config and <paramref name="vocabulary"/> beside it
    /// (<see cref="NanoGptSidecar.PathFor"/>; the config in <paramref name="layout"/>'s names, every option the
    /// layout's config lacks by its C# name, so that <see cref="NanoGptSidecar.Read"/> gives back the model's config). A tied model writes both tied names: sharing one
    /// storage in <c>.pt</c> (as nanoGPT's own checkpoints), as two equal copies in safetensors
    /// (which forbids shared storage; nanoGPT's strict <c>load_state_dict</c> needs both names).
    /// </summary>
    /// <param name="model">A <c>[Gpt]</c> model (not the bigram baseline).</param>
    /// <param name="vocabulary">The characters in token-id order, e.g. the corpus tokenizer's; at most <c>VocabSize</c> of them.</param>
    /// <param name="path">The weights file to write; folders are created.</param>
    /// <param name="format">Which format; by default the one <paramref name="path"/>'s extension names, else safetensors.</param>
    /// <exception cref="ArgumentException">
    /// The path ends in <c>.json</c>, the vocabulary is longer than the model's or repeats a character, or the model is
    /// not <paramref name="layout"/>'s architecture.
    /// </exception>
    /// <param name="layout">Whose names to write: nanoGPT's (the default, TinyGpt's own), the lecture's <c>gpt.py</c>'s or nanochat's.</param>
    /// <exception cref="InvalidOperationException">The model's state dict is not nanoGPT's layout (a generator bug; the message lists the differences).</exception>
    public static ExportedFiles Write(LanguageModel model, string vocabulary, string path, WeightFormat? format = null,
        StateDictLayout layout = StateDictLayout.NanoGpt)
    {
        var config = model.Config;
        _ = NanoGptLayout.For(config);                                  // refuses the bigram baseline, which nanoGPT lacks
        var chosen = format ?? WeightFormats.FromExtension(path) ?? WeightFormat.Safetensors;
        var state = ExportChecks.StateDict(model, vocabulary);

        var sidecar = NanoGptSidecar.PathFor(path);
        if (Path.GetFullPath(sidecar) == Path.GetFullPath(path))
            throw new ArgumentException($"{path}: the weights file needs an extension other than .json (the config JSON goes beside it)", nameof(path));
        using var scope = TorchSharp.torch.NewDisposeScope();                     // the views an upstream layout makes
        StateDictFile.Save(UpstreamLayouts.FromTinyGpt(state, config, layout), path, chosen);
        new NanoGptSidecar(config, vocabulary, model.GetName(), Path.GetFileName(path), chosen, layout).Write(sidecar);
        return new ExportedFiles(path, sidecar, chosen);
    }
}

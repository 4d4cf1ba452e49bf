using static TorchSharp.torch;

namespace TinyGpt.Interop;

/// <summary>
/// Loads a nanoGPT state dict (<c>torch.save(model.state_dict())</c>, nanoGPT's <c>ckpt.pt</c>, or
/// safetensors) into a TinyGpt model, checking every name and shape first.
/// </summary>
public static class NanoGptImport
{
    /// <summary>
    /// Reads <paramref name="path"/> and copies its tensors into <paramref name="model"/>. The file may also hold the
    /// lecture's <c>gpt.py</c> names or nanochat's (<see cref="StateDictLayout"/>, detected from the keys), which are
    /// mapped to TinyGpt's first (<see cref="UpstreamLayouts.ToTinyGpt"/>). Accepts
    /// and drops the causal-mask buffers old PyTorch versions save (<c>transformer.h.{i}.attn.bias</c>,
    /// <c>[1, 1, T, T]</c>) and strips a <c>_orig_mod.</c> prefix (<c>torch.compile</c>). For a tied
    /// model either tied name suffices; where both are present they must be equal. When the JSON that
    /// <see cref="NanoGptExport"/> writes is beside the file (<see cref="NanoGptSidecar.PathFor"/>) and holds a config, that
    /// config must be the model's too (all but <see cref="GptConfig.Dropout"/>, which only training uses): the options
    /// no tensor shows, such as <see cref="GptConfig.Activation"/>, <see cref="GptConfig.RopeBase"/> or
    /// <see cref="GptConfig.LogitSoftcap"/>, would otherwise load into the wrong model unnoticed. Nothing is copied unless
    /// everything fits.
    /// </summary>
    /// <exception cref="StateDictMismatchException">
    /// Names, shapes or dtypes differ: one exception listing every such tensor (missing, unexpected,
    /// wrong shape with both shapes), plus the architecture the file's shapes suggest.
    /// </exception>
    /// <exception cref="DeclaredArchitectureException">
    /// Every tensor fits, but the JSON beside the file describes another architecture (the message names each differing
    /// property in both configs).
    /// </exception>
    /// <exception cref="InvalidDataException">The JSON beside the file is not a sidecar's shape.</exception>
    /// <exception cref="WeightFileException">The file is not a readable state dict, or asks for more than data; one line says which entry breaks which rule.</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static ImportSummary LoadInto(LanguageModel model, string path)
    {
        using var scope = NewDisposeScope();
        var loaded = StateDictFile.Load(path);
        var format = WeightFormats.Detect(path);
        var layout = UpstreamLayouts.Detect(loaded.Keys);
        var file = UpstreamLayouts.ToTinyGpt(loaded, layout);
        try
        {
            var target = model.state_dict();
            var source = new Dictionary<string, Tensor>();
            var problems = new List<TensorMismatch>();
            var dropped = new List<string>();
            var stripped = false;
            foreach (var (key, tensor) in file)
            {
                var name = key;
                if (name.StartsWith(NanoGptLayout.CompilePrefix, StringComparison.Ordinal))
                {
                    name = name[NanoGptLayout.CompilePrefix.Length..];
                    stripped = true;
                }
                if (!target.ContainsKey(name) && NanoGptLayout.IsCausalMaskBuffer(name, tensor.shape))
                    dropped.Add(key);
                else if (!source.TryAdd(name, tensor))                      // both "x" and "_orig_mod.x"
                    problems.Add(new TensorMismatch(MismatchKind.Unexpected, key, null, NanoGptLayout.Format(tensor.shape)));
            }

            var aliases = Aliases(target);
            bool SuppliedByAlias(string name) => aliases.TryGetValue(name, out var group) && group.Any(source.ContainsKey);
            problems.InsertRange(0, StateDictCheck.Compare(
                target.Select(kv => (kv.Key, kv.Value.shape)),
                source.Select(kv => (kv.Key, kv.Value.shape)),
                SuppliedByAlias));
            problems.AddRange(DtypeAndTieProblems(target, source, aliases));
            var declared = DeclaredConfig(path);
            var differing = declared is null ? [] : ArchitectureDifferences(declared.Config, model.Config);
            if (problems.Count > 0)
            {
                var note = ArchitectureOf(source, model.Config);
                if (differing.Count > 0)
                    note = (note is null ? "" : note + Environment.NewLine) + DeclaredNote(path, declared!, differing, model, sentence: true);
                throw new StateDictMismatchException(path, Describe(model), problems, note);
            }
            if (differing.Count > 0)
                throw new DeclaredArchitectureException(
                    $"{path}: every tensor fits {model.GetName()}, but {DeclaredNote(path, declared!, differing, model)}",
                    $"Declare the model with {GptOptions.DescribeDifferences(differing, declared!.Config)}, or move " +
                    $"{Path.GetFileName(NanoGptSidecar.PathFor(path))} away to import by the tensors' names and shapes alone.",
                    declared, NanoGptSidecar.PathFor(path), [.. differing.Select(o => o.Name)]);

            using (no_grad())
            {
                foreach (var (name, parameter) in target)
                {
                    var from = source.GetValueOrDefault(name) ?? source[aliases[name].First(source.ContainsKey)];
                    parameter.copy_(from);
                }
            }
            return new ImportSummary(format, target.Count, dropped, stripped, layout);
        }
        finally
        {
            foreach (var tensor in file.Values.Concat(loaded.Values)) tensor.Dispose();
        }
    }

    /// <summary>
    /// The model as its name and architecture, for messages: nanoGPT's sizes, <c>Bias</c> and <c>TieWeights</c>, then every
    /// option that differs from its default (<see cref="GptOptions.Describe"/>), e.g.
    /// <c>ModernGpt (Layers = 4, …, KvHeads = 2, Positions = Rotary, …)</c>.
    /// </summary>
    public static string Describe(LanguageModel model) => $"{model.GetName()} ({GptOptions.Describe(model.Config)})";

    // The config of the sidecar beside the weights, when there is one that holds a config (a bare meta.json does not).
    static NanoGptSidecar? DeclaredConfig(string path)
    {
        var sidecar = NanoGptSidecar.PathFor(path);
        if (Path.GetFullPath(sidecar) == Path.GetFullPath(path) || !File.Exists(sidecar) || !NanoGptSidecar.HasConfig(sidecar))
            return null;
        return NanoGptSidecar.Read(sidecar);
    }

    // The properties in which the sidecar's config and the model's differ; dropout changes training, not the weights' meaning.
    static IReadOnlyList<GptOption> ArchitectureDifferences(GptConfig declared, GptConfig model) =>
        [.. GptOptions.Differing(declared, model).Where(o => o.Name != nameof(GptConfig.Dropout))];

    static string DeclaredNote(string path, NanoGptSidecar declared, IReadOnlyList<GptOption> differing, LanguageModel model,
        bool sentence = false) =>
        $"{(sentence ? "The" : "the")} JSON beside it ({Path.GetFileName(NanoGptSidecar.PathFor(path))}) says they are " +
        $"{declared.Model ?? "a model"}'s with {GptOptions.DescribeDifferences(differing, declared.Config)}, where " +
        $"{model.GetName()} has {GptOptions.DescribeDifferences(differing, model.Config)}.";

    // Groups of the model's names that are one tensor (tied weights), each name → its group.
    static Dictionary<string, string[]> Aliases(Dictionary<string, Tensor> target)
    {
        var result = new Dictionary<string, string[]>();
        foreach (var group in target.GroupBy(kv => TensorStorage.Address(kv.Value)).Where(g => g.Count() > 1))
        {
            var names = group.Select(kv => kv.Key).ToArray();
            foreach (var name in names) result[name] = names;
        }
        return result;
    }

    static IEnumerable<TensorMismatch> DtypeAndTieProblems(
        Dictionary<string, Tensor> target, Dictionary<string, Tensor> source, Dictionary<string, string[]> aliases)
    {
        bool Fits(string name) =>
            source.TryGetValue(name, out var t) && t.shape.SequenceEqual(target[name].shape) && t.is_floating_point();
        foreach (var (name, parameter) in target)
            if (source.TryGetValue(name, out var from) && from.shape.SequenceEqual(parameter.shape) && !from.is_floating_point())
                yield return new TensorMismatch(MismatchKind.WrongDtype, name, Dtype(parameter), Dtype(from));
        foreach (var group in aliases.Values.Distinct())
        {
            var present = group.Where(Fits).ToArray();
            foreach (var other in present.Skip(1))
            {
                using var first = source[present[0]].to_type(source[other].dtype);
                if (!first.Equals(source[other]))
                    yield return new TensorMismatch(MismatchKind.TiedDiffer, other, present[0], null);
            }
        }
    }

    static string Dtype(Tensor t) => t.dtype.ToString().ToLowerInvariant();

    // What config the file's shapes describe. The head count cannot be read from weights; with the model's, c_attn's rows
    // give the key/value heads. Options no tensor shows (Activation but SwiGLU's c_up, Norm, RopeBase, LogitSoftcap) are not named.
    static string? ArchitectureOf(Dictionary<string, Tensor> source, GptConfig model)
    {
        if (!source.TryGetValue(NanoGptLayout.TokenEmbedding, out var wte) && !source.TryGetValue(NanoGptLayout.LmHead, out wte)) return null;
        if (wte.shape.Length != 2) return null;
        var embd = wte.shape[1];
        var layers = source.Keys
            .Where(k => k.StartsWith("transformer.h.", StringComparison.Ordinal))
            .Select(k => k.Split('.')[2]).Distinct().Count();
        var hasWpe = source.TryGetValue("transformer.wpe.weight", out var wpe) && wpe.shape.Length == 2;
        var blockSize = hasWpe ? wpe!.shape[0].ToString() : "?";
        const string first = "transformer.h.0.";
        bool Has(string name) => source.ContainsKey(name);
        var bias = layers > 0 ? Has(first + "attn.c_proj.bias") : Has("transformer.ln_f.bias");
        var tied = Has(NanoGptLayout.TokenEmbedding) && Has(NanoGptLayout.LmHead)
            && source[NanoGptLayout.TokenEmbedding].shape.SequenceEqual(source[NanoGptLayout.LmHead].shape)
            && source[NanoGptLayout.TokenEmbedding].Equals(source[NanoGptLayout.LmHead]);
        var parts = new List<string>
        {
            $"Layers = {layers}", $"Embd = {embd}", $"BlockSize = {blockSize}", $"VocabSize = {wte.shape[0]}",
            $"Bias = {Lower(bias)}",
        };
        if (!tied) parts.Add("TieWeights = false");
        if (layers > 0)
        {
            if (!Has("transformer.ln_f.weight") && !Has(first + "ln_1.weight")) parts.Add("NormWeights = false");
            if (!hasWpe) parts.Add("Positions = Rotary");
            if (Has(first + "attn.c_attn.weight") && source[first + "attn.c_attn.weight"].shape is [var rows, _]
                && model.Heads > 0 && embd % model.Heads == 0 && embd / model.Heads is var hs and > 0
                && rows % hs == 0 && (rows / hs - model.Heads) is var kv2 and > 0 && kv2 % 2 == 0 && kv2 / 2 != model.Heads)
                parts.Add($"KvHeads = {kv2 / 2} (if Heads = {model.Heads})");
            if (Has(first + "attn.q_norm.weight")) parts.Add("QkNorm = true");
            if (Has(first + "attn.c_attn.weight") && Has(first + "attn.c_attn.bias") != bias) parts.Add($"QkvBias = {Lower(!bias)}");
            if (Has(first + "mlp.c_up.weight")) parts.Add("Activation = SwiGlu");
            if (source.TryGetValue(first + "mlp.c_fc.weight", out var fc) && fc.shape is [var hidden, _] && hidden != 4 * embd)
                parts.Add($"MlpHidden = {hidden}");
        }
        if (Has("transformer.ln_emb.weight")) parts.Add("EmbeddingNorm = true");
        if (Has("lm_head.bias")) parts.Add("LmHeadBias = true");
        return $"The file's shapes describe {string.Join(", ", parts)} (the head count cannot be read from weights).";
    }

    static string Lower(bool value) => value ? "true" : "false";
}

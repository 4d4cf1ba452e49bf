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
    /// model either tied name suffices; where both are present they must be equal. Nothing is
    /// copied unless everything fits.
    /// </summary>
    /// <exception cref="StateDictMismatchException">
    /// Names, shapes or dtypes differ: one exception listing every such tensor (missing, unexpected,
    /// wrong shape with both shapes), plus the architecture the file's shapes suggest.
    /// </exception>
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
            if (problems.Count > 0)
                throw new StateDictMismatchException(path, Describe(model), problems, ArchitectureOf(source));

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

    /// <summary>The model as its name and architecture, for messages.</summary>
    public static string Describe(LanguageModel model)
    {
        var c = model.Config;
        return $"{model.GetName()} (Layers = {c.Layers}, Heads = {c.Heads}, Embd = {c.Embd}, BlockSize = {c.BlockSize}, " +
               $"VocabSize = {c.VocabSize}, Bias = {c.Bias.ToString().ToLowerInvariant()}, TieWeights = {c.TieWeights.ToString().ToLowerInvariant()})";
    }

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

    // What nanoGPT config the file's shapes describe (the head count cannot be read from weights).
    static string? ArchitectureOf(Dictionary<string, Tensor> source)
    {
        if (!source.TryGetValue(NanoGptLayout.TokenEmbedding, out var wte) && !source.TryGetValue(NanoGptLayout.LmHead, out wte)) return null;
        if (wte.shape.Length != 2) return null;
        var layers = source.Keys
            .Where(k => k.StartsWith("transformer.h.", StringComparison.Ordinal))
            .Select(k => k.Split('.')[2]).Distinct().Count();
        var blockSize = source.TryGetValue("transformer.wpe.weight", out var wpe) && wpe.shape.Length == 2 ? wpe.shape[0].ToString() : "?";
        var bias = source.ContainsKey("transformer.ln_f.bias") ? "true" : "false";
        var tied = source.ContainsKey(NanoGptLayout.TokenEmbedding) && source.ContainsKey(NanoGptLayout.LmHead)
            && source[NanoGptLayout.TokenEmbedding].shape.SequenceEqual(source[NanoGptLayout.LmHead].shape)
            && source[NanoGptLayout.TokenEmbedding].Equals(source[NanoGptLayout.LmHead]);
        return $"The file's shapes describe Layers = {layers}, Embd = {wte.shape[1]}, BlockSize = {blockSize}, VocabSize = {wte.shape[0]}, " +
               $"Bias = {bias}{(tied ? "" : ", TieWeights = false")} (the head count cannot be read from weights).";
    }
}

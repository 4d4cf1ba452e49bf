using System.Reflection;
using Google.Protobuf;
using Onnx;

namespace TinyGpt.Interop;

/// <summary>
/// Writes a TinyGpt model as ONNX (opset 17), which any ONNX Runtime runs without TorchSharp or libtorch.
/// </summary>
/// <remarks>
/// <para>Two graphs are written. The plain one, <c>FILE.onnx</c>, takes <c>idx</c> (int64 <c>[batch, T]</c>, both
/// dynamic, 1 ≤ T ≤ BlockSize) and returns <c>logits</c> (float32 <c>[batch, T, VocabSize]</c>), as
/// <c>forward(idx)</c>. The KV-cache one, <c>FILE.kv.onnx</c>, also takes each block's earlier keys and values,
/// <c>past_key_values.{i}.key</c> / <c>.value</c> (float32 <c>[batch, KvHeads, past_T, HeadSize]</c>; past_T may be
/// 0; KvHeads is Heads without grouped-query attention), feeds <c>idx</c> at positions past_T … past_T + T − 1
/// (past_T + T ≤ BlockSize; rotary angles and learned embeddings alike), and also returns <c>present.{i}.key</c> /
/// <c>.value</c> (<c>[batch, KvHeads, past_T + T, HeadSize]</c>: keys after rotary and QK-norm, before they are
/// repeated for the query heads), the next call's past.</para>
/// <para>Every architecture option of <c>[Gpt]</c> exports; bfloat16 compute is refused (see
/// <see cref="EnsureExportable"/>). The graphs are built from the config and the state dict read by nanoGPT's names; Linear weights are
/// stored transposed (<c>[in, out]</c>, as MatMul takes them) under their name plus <c>.T</c>. Metadata
/// <c>tinygpt.block_size</c>, <c>tinygpt.model</c> and <c>tinygpt.graph</c> (<c>full</c> or <c>kv_cache</c>)
/// travel in each file; the vocabulary goes in the JSON beside them, as for the other exports.</para>
/// </remarks>
public static class OnnxExport
{
    /// <summary>The extension of the files written.</summary>
    public const string Extension = ".onnx";

    /// <summary>Where the KV-cache graph goes beside <paramref name="modelPath"/>: <c>baby.onnx</c> → <c>baby.kv.onnx</c>.</summary>
    public static string CachedModelPath(string modelPath) => OnnxNames.CachedModelPath(modelPath);

    /// <summary>
    /// Writes <paramref name="model"/>'s plain graph to <paramref name="path"/>, its KV-cache graph beside it
    /// (none for the bigram baseline), and the JSON with its config and <paramref name="vocabulary"/>
    /// (<see cref="NanoGptSidecar.PathFor"/>). Each file is written whole, then moved into place.
    /// </summary>
    /// <param name="model">A <c>[Gpt]</c> model or the bigram baseline.</param>
    /// <param name="vocabulary">The characters in token-id order, e.g. the corpus tokenizer's; at most <c>VocabSize</c> of them.</param>
    /// <param name="path">The file to write, ending in <c>.onnx</c>; folders are created.</param>
    /// <exception cref="ArgumentException">The path does not end in <c>.onnx</c>, or the vocabulary is longer than the model's or repeats a character.</exception>
    /// <exception cref="NotSupportedException">The model uses something the ONNX graph cannot express faithfully; the message says what and why.</exception>
    /// <exception cref="InvalidOperationException">The model's state dict is not nanoGPT's layout (a generator bug; the message lists the differences).</exception>
    public static OnnxExportedFiles Write(LanguageModel model, string vocabulary, string path)
    {
        if (!string.Equals(Path.GetExtension(path), Extension, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{path}: an ONNX file must end in {Extension} (the KV-cache graph and the JSON go beside it)", nameof(path));
        var config = model.Config;
        EnsureExportable(model);
        var state = ExportChecks.StateDict(model, vocabulary);

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        Save(Model(model, state, cached: false), path);
        string? cachedPath = null;
        if (!config.IsBigram)
            Save(Model(model, state, cached: true), cachedPath = CachedModelPath(path));
        var sidecar = NanoGptSidecar.PathFor(path);
        new NanoGptSidecar(config, vocabulary, model.GetName(), Path.GetFileName(path)).Write(sidecar);
        return new OnnxExportedFiles(path, cachedPath, sidecar);
    }

    /// <summary>
    /// Refuses what the graph would not compute as TinyGpt does. Every architecture option of <c>[Gpt]</c> exports;
    /// what is refused is bfloat16 compute (<see cref="LanguageModel.ComputePrecision"/>), an enum value the
    /// options do not define, and a <see cref="GptConfig"/> property added after this builder was written (by
    /// name), which it would otherwise silently leave out.
    /// </summary>
    /// <exception cref="NotSupportedException">The reason, naming the property.</exception>
    public static void EnsureExportable(LanguageModel model)
    {
        var config = model.Config;
        if (config.IsBigram)
            return;                                                 // a table lookup: no Linear layer to round
        if (model.ComputePrecision == Precision.BFloat16)
            throw new NotSupportedException(
                $"{model.GetName()} computes with ComputePrecision = BFloat16: its Linear layers round inputs, weights and outputs to bfloat16, " +
                "which ONNX Runtime's CPU MatMul does not compute, so an exported float32 graph would give different logits. " +
                "Set model.ComputePrecision = Precision.Float32 before exporting, or declare the model with Precision = Precision.Float32 " +
                "(its weights are float32 either way).");
        foreach (var (name, value) in new (string, Enum)[]
            { (nameof(GptConfig.Activation), config.Activation), (nameof(GptConfig.Norm), config.Norm), (nameof(GptConfig.Positions), config.Positions) })
            if (!Enum.IsDefined(value.GetType(), value))
                throw new NotSupportedException(
                    $"{model.GetName()} has {name} = {value}, which is no {value.GetType().Name} value; the ONNX export builds " +
                    $"{string.Join(", ", Enum.GetNames(value.GetType()))}.");

        var unknown = typeof(GptConfig).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && !BuiltOptions.Contains(p.Name))
            .Where(p => !Equals(p.GetValue(config), p.GetValue(Baseline(config))))
            .Select(p => $"{p.Name} = {p.GetValue(config)}")
            .ToList();
        if (unknown.Count > 0)
            throw new NotSupportedException(
                $"{model.GetName()} sets {string.Join(", ", unknown)}, which the ONNX export does not build yet; " +
                $"it builds {string.Join(", ", BuiltOptions)}.");
    }

    /// <summary>The <see cref="GptConfig"/> properties the graph builder reads (or that derive from them).</summary>
    private static readonly IReadOnlyList<string> BuiltOptions =
    [
        nameof(GptConfig.Layers), nameof(GptConfig.Heads), nameof(GptConfig.Embd), nameof(GptConfig.BlockSize),
        nameof(GptConfig.VocabSize), nameof(GptConfig.Dropout), nameof(GptConfig.Bias), nameof(GptConfig.TieWeights),
        nameof(GptConfig.Activation), nameof(GptConfig.Norm), nameof(GptConfig.NormWeights), nameof(GptConfig.Positions),
        nameof(GptConfig.RopeBase), nameof(GptConfig.KvHeads), nameof(GptConfig.QkNorm), nameof(GptConfig.EmbeddingNorm),
        nameof(GptConfig.LogitSoftcap), nameof(GptConfig.QkvBias), nameof(GptConfig.LmHeadBias), nameof(GptConfig.MlpHidden),
        nameof(GptConfig.HeadSize), nameof(GptConfig.IsBigram), nameof(GptConfig.IsLectureFamily),
    ];

    /// <summary>nanoGPT's architecture at <paramref name="config"/>'s sizes: every option at its default.</summary>
    private static GptConfig Baseline(GptConfig config) =>
        new(config.Layers, config.Heads, config.Embd, config.BlockSize, config.VocabSize, config.Dropout, config.Bias, config.TieWeights);

    private static ModelProto Model(LanguageModel model, IReadOnlyDictionary<string, TorchSharp.torch.Tensor> state, bool cached)
    {
        var config = model.Config;
        var graph = GptOnnxGraph.Build(config, state, cached);
        var doc = cached
            ? $"{model.GetName()} (TinyGpt) with a KV cache: idx [batch, T] and past_key_values.{{i}}.key/value [batch, {config.KvHeads}, past_T, {config.HeadSize}] → logits [batch, T, {config.VocabSize}] and present.{{i}}.key/value"
            : $"{model.GetName()} (TinyGpt): idx int64 [batch, T], 1 ≤ T ≤ {config.BlockSize} → logits float32 [batch, T, {config.VocabSize}]";
        return graph.ToModel(doc, new Dictionary<string, string>
        {
            [OnnxNames.BlockSizeKey] = config.BlockSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [OnnxNames.ModelKey] = model.GetName(),
            [OnnxNames.GraphKey] = cached ? OnnxNames.CachedGraph : OnnxNames.FullGraph,
        });
    }

    private static void Save(ModelProto model, string path)
    {
        var temporary = path + ".partial";
        using (var stream = File.Create(temporary))
            model.WriteTo(stream);
        File.Move(temporary, path, overwrite: true);
    }
}

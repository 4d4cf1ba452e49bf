using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TinyGpt.Interop;

namespace TinyGpt.Onnx;

/// <summary>
/// A TinyGpt model exported to ONNX (<c>tinygpt export --out FILE.onnx</c>), run by ONNX Runtime: the plain
/// graph, the KV-cache graph beside it when there is one, and the vocabulary JSON. No TorchSharp, no libtorch.
/// </summary>
/// <example>
/// <code>
/// using var model = OnnxGpt.Load("baby.onnx");
/// var text = new OnnxSampler(model).Generate("ROMEO:", new OnnxSamplingOptions { MaxNewTokens = 200 });
/// </code>
/// </example>
public sealed class OnnxGpt : IDisposable
{
    private readonly InferenceSession _full;

    private OnnxGpt(string path, InferenceSession full, InferenceSession? cached, OnnxVocabulary vocabulary,
        int blockSize, int vocabSize, string name, int layers, long kvHeads, long headSize)
    {
        Path = path;
        _full = full;
        Cached = cached;
        Vocabulary = vocabulary;
        BlockSize = blockSize;
        VocabSize = vocabSize;
        Name = name;
        Layers = layers;
        KvHeads = kvHeads;
        HeadSize = headSize;
    }

    /// <summary>The plain graph's file.</summary>
    public string Path { get; }

    /// <summary>The TinyGpt class the model was exported from, e.g. <c>BabyGpt</c>.</summary>
    public string Name { get; }

    /// <summary>Longest context in tokens: sampling reads at most the last BlockSize tokens, as nanoGPT's <c>generate</c>.</summary>
    public int BlockSize { get; }

    /// <summary>Rows of the logits; at least <see cref="Vocabulary"/>'s count.</summary>
    public int VocabSize { get; }

    /// <summary>Maps text to token ids and back.</summary>
    public OnnxVocabulary Vocabulary { get; }

    /// <summary>True when the KV-cache graph was found beside the plain one (the bigram baseline has none).</summary>
    public bool HasKvCache => Cached is not null;

    internal InferenceSession? Cached { get; }

    /// <summary>Transformer blocks: one past key and value each in the cached graph.</summary>
    internal int Layers { get; }

    /// <summary>
    /// Key/value heads of the cached graph's past and present, <c>[batch, KvHeads, past_T, HeadSize]</c>: fewer than the
    /// model's query heads with grouped-query attention. Read from the graph's declared inputs.
    /// </summary>
    internal long KvHeads { get; }

    /// <summary>Width of one attention head, the last dimension of the past and present.</summary>
    internal long HeadSize { get; }

    /// <summary>
    /// Loads <paramref name="path"/> (the plain graph), the KV-cache graph beside it if present
    /// (<c>baby.onnx</c> → <c>baby.kv.onnx</c>) and the vocabulary JSON beside it (<c>baby.json</c>).
    /// </summary>
    /// <param name="path">The <c>.onnx</c> file the export wrote.</param>
    /// <param name="options">ONNX Runtime's session options (threads, execution providers); its defaults when null.</param>
    /// <exception cref="TinyGptOnnxException">A file is missing, is not an ONNX model, is not a TinyGpt export, or the vocabulary does not fit the model.</exception>
    public static OnnxGpt Load(string path, SessionOptions? options = null)
    {
        var full = Open(path, options, OnnxNames.FullGraph);
        try
        {
            var metadata = full.ModelMetadata.CustomMetadataMap;
            if (!metadata.TryGetValue(OnnxNames.BlockSizeKey, out var block)
                || !int.TryParse(block, NumberStyles.None, CultureInfo.InvariantCulture, out var blockSize) || blockSize < 1)
                throw new TinyGptOnnxException($"'{path}' is an ONNX model but not a TinyGpt export: it has no {OnnxNames.BlockSizeKey} metadata.");
            var vocabSize = LogitsWidth(full, path);
            var vocabulary = OnnxVocabulary.Read(OnnxNames.VocabularyPath(path));
            if (vocabulary.Count > vocabSize)
                throw new TinyGptOnnxException(
                    $"The vocabulary '{OnnxNames.VocabularyPath(path)}' has {vocabulary.Count} characters but '{path}' has VocabSize {vocabSize}: " +
                    "they belong to different models. Export the model again to write its own vocabulary beside it.");

            var cachedPath = OnnxNames.CachedModelPath(path);
            var cached = File.Exists(cachedPath) ? Open(cachedPath, options, OnnxNames.CachedGraph) : null;
            var layers = cached?.InputNames.Count(n => n.StartsWith("past_key_values.", StringComparison.Ordinal)) / 2 ?? 0;
            (long KvHeads, long HeadSize)? past = cached is null ? null : PastShape(cached, cachedPath, layers);
            metadata.TryGetValue(OnnxNames.ModelKey, out var name);
            return new OnnxGpt(path, full, cached, vocabulary, blockSize, vocabSize, name ?? System.IO.Path.GetFileNameWithoutExtension(path),
                layers, past?.KvHeads ?? 0, past?.HeadSize ?? 0);
        }
        catch
        {
            full.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Float32 logits <c>[VocabSize]</c> of the token after <paramref name="tokens"/>, from the plain graph over the
    /// last BlockSize tokens: what <c>forward(context)[0, -1]</c> gives in TinyGpt.
    /// </summary>
    public float[] NextTokenLogits(IReadOnlyList<long> tokens)
    {
        var window = ContextWindow.Last(tokens, BlockSize);
        return Logits(window)[^VocabSize..];
    }

    /// <summary>Float32 logits <c>[T, VocabSize]</c>, row by row, of one sequence of 1 ≤ T ≤ BlockSize tokens (the plain graph).</summary>
    /// <exception cref="ArgumentException">The sequence is empty or longer than BlockSize.</exception>
    public float[] Logits(long[] tokens)
    {
        if (tokens.Length < 1 || tokens.Length > BlockSize)
            throw new ArgumentException($"A sequence of 1 to BlockSize ({BlockSize}) tokens is needed; got {tokens.Length}.", nameof(tokens));
        using var idx = OrtValue.CreateTensorValueFromMemory(tokens, [1, tokens.Length]);
        using var run = new RunOptions();
        using var outputs = _full.Run(run, [OnnxNames.Input], [idx], [OnnxNames.Logits]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Frees both sessions.</summary>
    public void Dispose()
    {
        _full.Dispose();
        Cached?.Dispose();
    }

    private static InferenceSession Open(string path, SessionOptions? options, string graph)
    {
        if (!File.Exists(path))
            throw new TinyGptOnnxException(
                $"The ONNX model '{path}' does not exist. Export a trained model first (the tinygpt export command, or TinyGpt.Interop.OnnxExport.Write).");
        InferenceSession session;
        try
        {
            session = options is null ? new InferenceSession(path) : new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new TinyGptOnnxException($"'{path}' is not a valid ONNX model ({e.Message.Trim()}). Export it again; the file may be truncated or damaged.", e);
        }
        var kind = session.ModelMetadata.CustomMetadataMap.TryGetValue(OnnxNames.GraphKey, out var k) ? k : null;
        if (kind != graph || !session.InputMetadata.TryGetValue(OnnxNames.Input, out var input) || input.ElementDataType != TensorElementType.Int64)
        {
            session.Dispose();
            throw new TinyGptOnnxException(
                $"'{path}' is not TinyGpt's {(graph == OnnxNames.FullGraph ? "plain" : "KV-cache")} graph (expected input '{OnnxNames.Input}' int64 and {OnnxNames.GraphKey} = {graph}).");
        }
        return session;
    }

    /// <summary>
    /// The fixed dimensions of the cached graph's past, <c>[batch, KvHeads, past_T, HeadSize]</c>, the same for every
    /// block: with grouped-query attention KvHeads is below the model's Heads, and the empty past must have it.
    /// </summary>
    private static (long KvHeads, long HeadSize) PastShape(InferenceSession cached, string path, int layers)
    {
        (long, long)? shape = null;
        for (var i = 0; i < layers; i++)
            foreach (var input in new[] { OnnxNames.PastKey(i), OnnxNames.PastValue(i) })
            {
                var dims = cached.InputMetadata.TryGetValue(input, out var meta) ? meta.Dimensions : null;
                if (dims is not [_, > 0 and var heads, _, > 0 and var size] || shape is { } s && s != (heads, size))
                {
                    cached.Dispose();
                    throw new TinyGptOnnxException(
                        $"'{path}' is not TinyGpt's KV-cache graph: input '{input}' should be float32 [batch, KvHeads, past_T, HeadSize], the same for every block.");
                }
                shape = (heads, size);
            }
        if (shape is null)
        {
            cached.Dispose();
            throw new TinyGptOnnxException($"'{path}' is not TinyGpt's KV-cache graph: it has no input '{OnnxNames.PastKey(0)}'.");
        }
        return shape.Value;
    }

    private static int LogitsWidth(InferenceSession session, string path) =>
        session.OutputMetadata.TryGetValue(OnnxNames.Logits, out var logits) && logits.Dimensions is [_, _, > 0 and var width]
            ? width
            : throw new TinyGptOnnxException($"'{path}' has no output '{OnnxNames.Logits}' of shape [batch, T, VocabSize].");
}

namespace TinyGpt.Interop;

/// <summary>
/// The interface of TinyGpt's ONNX files: input, output and metadata names, and where the KV-cache graph lies
/// beside the plain one. Shared as source by the exporter (the runtime) and the ONNX sampler package, which
/// must agree on them and cannot reference each other.
/// </summary>
internal static class OnnxNames
{
    /// <summary>Token ids, int64 <c>[batch, T]</c>, 1 ≤ T ≤ BlockSize (in the cached graph: T ≤ BlockSize − past).</summary>
    public const string Input = "idx";

    /// <summary>Float32 logits <c>[batch, T, VocabSize]</c> for every position fed.</summary>
    public const string Logits = "logits";

    /// <summary>Symbolic dimension names.</summary>
    public const string Batch = "batch", Time = "T", PastTime = "past_T", TotalTime = "total_T";

    /// <summary>The cached graph's keys of block <paramref name="layer"/> from earlier calls, float32 <c>[batch, heads, past_T, head_size]</c>.</summary>
    public static string PastKey(int layer) => $"past_key_values.{layer}.key";

    /// <summary>The cached graph's values of block <paramref name="layer"/> from earlier calls, float32 <c>[batch, heads, past_T, head_size]</c>.</summary>
    public static string PastValue(int layer) => $"past_key_values.{layer}.value";

    /// <summary>The keys of block <paramref name="layer"/> for every position so far, <c>[batch, heads, past_T + T, head_size]</c>: next call's past.</summary>
    public static string PresentKey(int layer) => $"present.{layer}.key";

    /// <summary>The values of block <paramref name="layer"/> for every position so far: next call's past.</summary>
    public static string PresentValue(int layer) => $"present.{layer}.value";

    /// <summary>Metadata: the model's longest context (positions beyond it have no embedding).</summary>
    public const string BlockSizeKey = "tinygpt.block_size";

    /// <summary>Metadata: the TinyGpt class the file was exported from.</summary>
    public const string ModelKey = "tinygpt.model";

    /// <summary>Metadata: <c>full</c> for the plain graph, <c>kv_cache</c> for the cached one.</summary>
    public const string GraphKey = "tinygpt.graph";

    /// <summary>Values of <see cref="GraphKey"/>.</summary>
    public const string FullGraph = "full", CachedGraph = "kv_cache";

    /// <summary>The cached graph beside the plain one: <c>baby.onnx</c> → <c>baby.kv.onnx</c>.</summary>
    public static string CachedModelPath(string modelPath) => Path.ChangeExtension(modelPath, ".kv.onnx");

    /// <summary>The vocabulary JSON beside the plain graph: <c>baby.onnx</c> → <c>baby.json</c>.</summary>
    public static string VocabularyPath(string modelPath) => Path.ChangeExtension(modelPath, ".json");
}

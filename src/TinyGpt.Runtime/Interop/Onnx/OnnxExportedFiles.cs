namespace TinyGpt.Interop;

/// <summary>The files an ONNX export writes.</summary>
/// <param name="Model">The plain graph: <c>idx</c> → <c>logits</c>.</param>
/// <param name="CachedModel">The KV-cache graph beside it (<see cref="OnnxExport.CachedModelPath"/>); null for the bigram baseline, which has no attention to cache.</param>
/// <param name="Sidecar">The JSON beside it: config and vocabulary (<see cref="NanoGptSidecar"/>).</param>
public sealed record OnnxExportedFiles(string Model, string? CachedModel, string Sidecar);

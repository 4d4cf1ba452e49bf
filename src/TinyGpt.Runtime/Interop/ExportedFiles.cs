namespace TinyGpt.Interop;

/// <summary>The two files an export writes.</summary>
/// <param name="Weights">The state dict (<c>.pt</c> or <c>.safetensors</c>).</param>
/// <param name="Sidecar">The JSON beside it: config and vocabulary (<see cref="NanoGptSidecar"/>).</param>
/// <param name="Format">The weights' format.</param>
public sealed record ExportedFiles(string Weights, string Sidecar, WeightFormat Format);

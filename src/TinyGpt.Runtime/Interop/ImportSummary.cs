using static TorchSharp.torch;

namespace TinyGpt.Interop;

/// <summary>What an import found and did.</summary>
/// <param name="Format">The file's format (read from its content).</param>
/// <param name="Loaded">How many of the model's named tensors were set (both tied names count).</param>
/// <param name="DroppedMaskBuffers">The file's causal-mask buffers (<c>*.attn.bias</c>, <c>[1, 1, T, T]</c>), accepted and not used.</param>
/// <param name="StrippedCompilePrefix">True when the file's names carried <c>torch.compile</c>'s <c>_orig_mod.</c> prefix.</param>
/// <param name="Layout">Whose names the file used (detected from its keys).</param>
public sealed record ImportSummary(WeightFormat Format, int Loaded, IReadOnlyList<string> DroppedMaskBuffers, bool StrippedCompilePrefix,
    StateDictLayout Layout = StateDictLayout.NanoGpt);

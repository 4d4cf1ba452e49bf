using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>Formats and checks tensor shapes for the messages of generated forward passes.</summary>
public static class Shapes
{
    /// <summary>A tensor as <c>int64 [8, 300]</c>.</summary>
    public static string Describe(Tensor t) =>
        $"{t.dtype.ToString().ToLowerInvariant()} [{string.Join(", ", t.shape)}]";
}

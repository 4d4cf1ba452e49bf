using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>Formats and checks tensor shapes for the messages of generated forward passes.</summary>
public static class Shapes
{
    /// <summary>
    /// How many checks ran on this thread: lets tests see that switching
    /// <see cref="LanguageModel.CheckShapes"/> off really skips them (per thread, so parallel tests do not mix).
    /// </summary>
    [ThreadStatic] internal static long ChecksOnThisThread;

    /// <summary>A tensor as <c>int64 [8, 300]</c>.</summary>
    public static string Describe(Tensor t) =>
        $"{t.dtype.ToString().ToLowerInvariant()} [{string.Join(", ", t.shape)}]";

    /// <summary>
    /// Throws unless <paramref name="tensor"/> has exactly the shape <paramref name="expected"/>. Generated
    /// forward passes call it while <see cref="LanguageModel.CheckShapes"/> is true.
    /// </summary>
    /// <param name="tensor">The tensor to check.</param>
    /// <param name="where">The method, e.g. <c>BabyGpt.forward</c>.</param>
    /// <param name="name">The tensor's name in that method, e.g. <c>logits</c>.</param>
    /// <param name="expected">The expected sizes, one per dimension.</param>
    /// <exception cref="InvalidOperationException">
    /// The shape differs, e.g. <c>BabyGpt.forward: logits must be [8, 64, 65]; got float32 [8, 1, 65]</c>.
    /// </exception>
    public static void Check(Tensor tensor, string where, string name, params ReadOnlySpan<long> expected)
    {
        ChecksOnThisThread++;
        if (!tensor.shape.AsSpan().SequenceEqual(expected))
            throw new InvalidOperationException(
                $"{where}: {name} must be [{string.Join(", ", expected.ToArray())}]; got {Describe(tensor)}");
    }
}

namespace TinyGpt;

/// <summary>
/// Which tokens a cached decoder feeds: nanoGPT's crop to the last BlockSize tokens, and whether the cache already
/// holds a prefix of the sequence. No TorchSharp in it: the ONNX sampler package compiles this file too, so its
/// decoder refills its cache exactly where <c>TinyGpt.CachedDecoder</c> does.
/// </summary>
internal static class ContextWindow
{
    /// <summary>The last <paramref name="blockSize"/> tokens: nanoGPT's crop to the context window.</summary>
    public static long[] Last(IReadOnlyList<long> tokens, int blockSize) => From(tokens, Math.Max(0, tokens.Count - blockSize));

    /// <summary>The tokens from <paramref name="start"/> on.</summary>
    public static long[] From(IReadOnlyList<long> tokens, int start)
    {
        var slice = new long[tokens.Count - start];
        for (var i = 0; i < slice.Length; i++)
            slice[i] = tokens[start + i];
        return slice;
    }

    /// <summary>True when <paramref name="fed"/> is a proper, non-empty prefix of <paramref name="tokens"/>.</summary>
    public static bool Extends(IReadOnlyList<long> tokens, IReadOnlyList<long> fed)
    {
        if (fed.Count == 0 || fed.Count >= tokens.Count)
            return false;
        for (var i = 0; i < fed.Count; i++)
            if (fed[i] != tokens[i])
                return false;
        return true;
    }
}

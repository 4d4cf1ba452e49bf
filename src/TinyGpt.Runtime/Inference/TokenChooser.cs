namespace TinyGpt;

/// <summary>
/// How a sampler picks the next token from its logits, with no TorchSharp in it: the ONNX sampler package compiles
/// this file too, so that a seed gives the same text there as in <c>TinyGpt.Sampler</c>.
/// </summary>
internal static class TokenChooser
{
    /// <summary>Temperature, top-k, softmax and one draw, on the CPU in double precision.</summary>
    public static int Choose(float[] logits, double temperature, int? topK, DeterministicRandom random)
    {
        var scaled = new double[logits.Length];
        for (var i = 0; i < logits.Length; i++)
            scaled[i] = logits[i] / temperature;
        if (topK is { } k && k < scaled.Length)
        {
            var threshold = scaled.OrderByDescending(x => x).ElementAt(k - 1);
            if (k == 1)
                return Array.IndexOf(scaled, threshold);                // greedy: the first maximum
            for (var i = 0; i < scaled.Length; i++)
                if (scaled[i] < threshold) scaled[i] = double.NegativeInfinity;
        }
        var max = scaled.Max();
        double total = 0;
        for (var i = 0; i < scaled.Length; i++)
            total += scaled[i] = Math.Exp(scaled[i] - max);
        var target = random.NextDouble() * total;
        double cumulative = 0;
        for (var i = 0; i < scaled.Length; i++)
        {
            cumulative += scaled[i];
            if (target < cumulative && scaled[i] > 0) return i;
        }
        return Array.FindLastIndex(scaled, p => p > 0);
    }
}

using System.Globalization;

namespace TinyGpt;

/// <summary>Refuses a training run that cannot fit in memory before anything large is allocated.</summary>
public static class MemoryGuard
{
    /// <summary>
    /// Parameters of nanoGPT's architecture for <paramref name="config"/> (a bigram model: a
    /// VocabSize × VocabSize table), counting a tied LM head once.
    /// </summary>
    public static long CountParameters(GptConfig config)
    {
        long v = config.VocabSize, e = config.Embd, t = config.BlockSize, l = config.Layers;
        if (config.IsBigram)
            return v * v;
        var bias = config.Bias ? 1L : 0L;
        var layerNorm = e + bias * e;
        var attention = e * 3 * e + bias * 3 * e + e * e + bias * e;
        var mlp = e * 4 * e + bias * 4 * e + 4 * e * e + bias * e;
        var block = 2 * layerNorm + attention + mlp;
        var head = config.TieWeights ? 0 : v * e;
        return v * e + t * e + l * block + layerNorm + head;
    }

    /// <summary>
    /// Weights, gradients and AdamW's two moments (4 copies of every parameter) plus a rough
    /// count of the activations autograd keeps for one batch.
    /// </summary>
    public static MemoryEstimate Estimate(GptConfig config, int batchSize, long? parameters = null)
    {
        var p = parameters ?? CountParameters(config);
        long b = batchSize, t = config.BlockSize, e = config.Embd, h = Math.Max(config.Heads, 1), v = config.VocabSize;
        // Per block: ~34 floats of width E per token (attention and MLP intermediates) and
        // ~5 attention maps of T x T per head; plus logits, softmax and gradient of the logits.
        var perBlock = 34 * b * t * e + 5 * h * b * t * t;
        var activations = (config.Layers * perBlock + 3 * b * t * v + 2 * b * t * e) * sizeof(float);
        return new MemoryEstimate(p, p * sizeof(float), p * sizeof(float), 2 * p * sizeof(float), activations);
    }

    /// <summary>Throws a <see cref="TinyGptException"/> with the estimate when it exceeds the memory available now.</summary>
    public static void EnsureFits(MemoryEstimate estimate, string modelName)
    {
        var available = AvailableBytes();
        if (available is { } free && estimate.TotalBytes > free)
            throw TinyGptException.About(TrainingOptions.Name(nameof(TrainingOptions.BatchSize)),
                $"Training {modelName} needs {estimate}, but only {Format(free)} of memory is available.",
                $"Use a smaller model (fewer layers, a narrower Embd, a shorter BlockSize) or a smaller {TrainingOptions.Name(nameof(TrainingOptions.BatchSize))}.");
    }

    /// <summary>
    /// Throws a <see cref="TinyGptException"/> when a model's float32 weights alone exceed the memory
    /// available now. Every generated constructor calls it before allocating anything: libtorch would
    /// reserve such weights tensor by tensor, and initializing them would drive the machine out of memory.
    /// </summary>
    public static void EnsureWeightsFit(long parameters, string modelName)
    {
        var bytes = parameters > long.MaxValue / sizeof(float) ? long.MaxValue : parameters * sizeof(float);
        if (AvailableBytes() is { } free && bytes > free)
            throw new TinyGptException(
                $"{modelName} needs {Format(bytes)} for its {parameters:N0} weights alone, but only {Format(free)} of memory is available. " +
                "Declare a smaller model: fewer Layers, a narrower Embd, a shorter BlockSize or a smaller VocabSize.");
    }

    /// <summary>Memory the system can still hand out (Linux MemAvailable), or null when unknown.</summary>
    public static long? AvailableBytes()
    {
        const string meminfo = "/proc/meminfo";
        try
        {
            if (File.Exists(meminfo))
                foreach (var line in File.ReadLines(meminfo))
                    if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                    {
                        var kib = line["MemAvailable:".Length..].Trim().Split(' ')[0];
                        return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
                    }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        var info = GC.GetGCMemoryInfo();
        return info.TotalAvailableMemoryBytes > 0 ? info.TotalAvailableMemoryBytes - info.MemoryLoadBytes : null;
    }

    /// <summary>Bytes as <c>1.5 GiB</c>.</summary>
    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }
}

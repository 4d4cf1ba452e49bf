namespace TinyGpt.Interop;

/// <summary>Names, extensions and detection of <see cref="WeightFormat"/>.</summary>
public static class WeightFormats
{
    /// <summary>The name used on the command line: <c>pt</c> or <c>safetensors</c>.</summary>
    public static string Name(this WeightFormat format) => format switch
    {
        WeightFormat.Pt => "pt",
        WeightFormat.Safetensors => "safetensors",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>The usual file extension, with its dot.</summary>
    public static string Extension(this WeightFormat format) => "." + format.Name();

    /// <summary>Parses <c>pt</c> or <c>safetensors</c> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other text; the message lists the choices.</exception>
    public static WeightFormat Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "pt" or "pth" or "torch" => WeightFormat.Pt,
        "safetensors" => WeightFormat.Safetensors,
        _ => throw new ArgumentException($"unknown weight format '{text}': use pt or safetensors", nameof(text)),
    };

    /// <summary>The format a file name suggests: <c>.pt</c>/<c>.pth</c>/<c>.bin</c> or <c>.safetensors</c>; null for any other.</summary>
    public static WeightFormat? FromExtension(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".pt" or ".pth" or ".bin" => WeightFormat.Pt,
        ".safetensors" => WeightFormat.Safetensors,
        _ => null,
    };

    /// <summary>
    /// The format of an existing file, read from its first bytes (never from its name): a zip
    /// signature means <c>torch.save</c>, a plausible safetensors header means safetensors.
    /// </summary>
    /// <exception cref="WeightFileException">Neither; the message names the file.</exception>
    public static WeightFormat Detect(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[9];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4)
            return WeightFormat.Pt;
        if (read == 9 && head[8] == (byte)'{')
            return WeightFormat.Safetensors;                                // SafetensorsHeader checks the length
        throw new WeightFileException(path, "content",
            "is neither a torch.save zip nor a safetensors file " +
            "(PyTorch's legacy non-zip format from before 1.6 is not supported: re-save it with a current torch.save)");
    }
}

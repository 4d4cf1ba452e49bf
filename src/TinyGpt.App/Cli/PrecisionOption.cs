namespace TinyGpt.App.Cli;

/// <summary>
/// <c>--precision auto|float32|bfloat16</c> of <c>train</c> and <c>sample</c>: the names users type for
/// <see cref="Precision"/>, and what <c>auto</c> picks on this machine.
/// </summary>
public static class PrecisionOption
{
    /// <summary>The flag.</summary>
    public const string Flag = "--precision";

    private static readonly Dictionary<string, Precision> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["auto"] = Precision.Auto,
        ["float32"] = Precision.Float32,
        ["fp32"] = Precision.Float32,
        ["bfloat16"] = Precision.BFloat16,
        ["bf16"] = Precision.BFloat16,
    };

    /// <summary>The precision <paramref name="text"/> names; null for null (the flag left out).</summary>
    public static Precision? Parse(string? text) =>
        text is null ? null : Names.TryGetValue(text.Trim(), out var precision) ? precision : throw new TinyGptException(Problem(text)!);

    /// <summary>The message for a value that names no precision, or null when it is fine.</summary>
    public static string? Problem(string? text) =>
        text is null || Names.ContainsKey(text.Trim()) ? null : $"{Flag} must be auto, float32 or bfloat16 (got '{text}').";

    /// <summary>The lower-case name of a precision, as the flag spells it.</summary>
    public static string Name(Precision precision) => precision switch
    {
        Precision.Float32 => "float32",
        Precision.BFloat16 => "bfloat16",
        _ => "auto",
    };

    /// <summary>What <c>auto</c> picks on <paramref name="device"/>, and why: <c>bfloat16 (the CPU reports avx512_bf16)</c>.</summary>
    public static string DescribeAuto(TorchSharp.torch.Device device)
    {
        var support = BFloat16Support.Detect(device);
        return $"{Name(BFloat16Support.Resolve(Precision.Auto, device, _ => support))} ({support.Reason})";
    }
}

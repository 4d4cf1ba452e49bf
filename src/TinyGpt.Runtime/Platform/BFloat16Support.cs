using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// Whether a device computes bfloat16 dot products natively, and why we think so: what
/// <see cref="Precision.Auto"/> decides by. On the CPU that is the <c>avx512_bf16</c> or <c>amx_bf16</c>
/// flag of <c>/proc/cpuinfo</c> (Linux; elsewhere nothing is known and the answer is no): without them
/// libtorch emulates bfloat16 matmuls, which is slower than float32. On CUDA it is whether a bfloat16
/// matmul runs on the device.
/// </summary>
public sealed record BFloat16Support(bool Native, string Reason)
{
    private const string CpuInfo = "/proc/cpuinfo";

    private static readonly Lazy<BFloat16Support> Cpu = new(() => FromCpuInfo(File.Exists(CpuInfo) ? SafeRead(CpuInfo) : null));

    /// <summary>What <paramref name="device"/> offers (the CPU's answer is read once per process).</summary>
    public static BFloat16Support Detect(Device device) => device.type == DeviceType.CUDA ? Cuda(device) : Cpu.Value;

    /// <summary>
    /// The precision to compute in: <paramref name="requested"/> itself, or for <see cref="Precision.Auto"/>
    /// bfloat16 where <paramref name="detect"/> (by default <see cref="Detect"/>) says the device has native
    /// bfloat16, float32 otherwise.
    /// </summary>
    public static Precision Resolve(Precision requested, Device device, Func<Device, BFloat16Support>? detect = null) =>
        requested != Precision.Auto ? requested : (detect ?? Detect)(device).Native ? Precision.BFloat16 : Precision.Float32;

    /// <summary>
    /// The CPU's support from the text of <c>/proc/cpuinfo</c> (null: not available, as off Linux): native when
    /// a <c>flags</c> line lists <c>avx512_bf16</c> or <c>amx_bf16</c>.
    /// </summary>
    public static BFloat16Support FromCpuInfo(string? cpuInfo)
    {
        if (cpuInfo is null)
            return new(false, $"{CpuInfo} is not readable here, so no native bfloat16 is known");
        var flags = cpuInfo.Split('\n')
            .Where(line => line.StartsWith("flags", StringComparison.Ordinal) && line.Contains(':'))
            .SelectMany(line => line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToHashSet(StringComparer.Ordinal);
        string[] native = [.. new[] { "avx512_bf16", "amx_bf16" }.Where(flags.Contains)];
        return native.Length > 0
            ? new(true, $"the CPU reports {string.Join(" and ", native)}")
            : new(false, "the CPU reports neither avx512_bf16 nor amx_bf16, so bfloat16 matmuls would be emulated");
    }

    private static string? SafeRead(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    private static BFloat16Support Cuda(Device device)
    {
        try
        {
            using var a = ones(8, 8, dtype: ScalarType.BFloat16, device: device);
            using var product = a.matmul(a);
            return new(true, $"a bfloat16 matmul runs on {device}");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new(false, $"{device} cannot run a bfloat16 matmul ({e.Message.Split('\n')[0]})");
        }
    }
}

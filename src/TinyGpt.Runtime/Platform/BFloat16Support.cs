using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// Whether a device computes bfloat16 dot products natively, whether that is faster than float32 there, and
/// why we think so: what <see cref="Precision.Auto"/> decides by. On the CPU, native means the
/// <c>avx512_bf16</c> or <c>amx_bf16</c> flag of <c>/proc/cpuinfo</c> (Linux; elsewhere nothing is known and
/// the answer is no): without them libtorch emulates bfloat16 matmuls. A flag alone does not make bfloat16
/// faster, though: on a Sapphire Rapids VM that reports <c>avx512_bf16</c> but no AMX, libtorch's bfloat16
/// matmul ran at half float32's speed (bench/RESULTS.md), while on Zen 5 it ran at twice. So where the flag is
/// there, a matmul in each precision is timed, once per process, and bfloat16 is preferred only when it is
/// clearly faster. On CUDA it is whether a bfloat16 matmul runs on the device.
/// </summary>
/// <param name="Native">The device has bfloat16 dot products in hardware.</param>
/// <param name="Reason">Why, in words <c>tinygpt info</c> prints.</param>
/// <param name="Speedup">How many times faster a bfloat16 matmul ran than a float32 one, where it was timed.</param>
public sealed record BFloat16Support(bool Native, string Reason, double? Speedup = null)
{
    /// <summary>
    /// How much faster bfloat16 must measure to be preferred: rounding to bfloat16 costs a little precision, and
    /// converting activations and weights each step costs time the matmul alone does not show.
    /// </summary>
    public const double MinimumSpeedup = 1.2;

    private const string CpuInfo = "/proc/cpuinfo";

    private static readonly Lazy<BFloat16Support> Cpu =
        new(() => FromCpuInfo(File.Exists(CpuInfo) ? SafeRead(CpuInfo) : null, MeasureCpuSpeedup));

    /// <summary>Whether <see cref="Precision.Auto"/> computes in bfloat16: native, and faster where it was timed.</summary>
    public bool Preferred => Native && Speedup is not < MinimumSpeedup;

    /// <summary>What <paramref name="device"/> offers (the CPU's answer is found once per process).</summary>
    public static BFloat16Support Detect(Device device) => device.type == DeviceType.CUDA ? Cuda(device) : Cpu.Value;

    /// <summary>
    /// The precision to compute in: <paramref name="requested"/> itself, or for <see cref="Precision.Auto"/>
    /// bfloat16 where <paramref name="detect"/> (by default <see cref="Detect"/>) says bfloat16 is
    /// <see cref="Preferred"/>, float32 otherwise.
    /// </summary>
    public static Precision Resolve(Precision requested, Device device, Func<Device, BFloat16Support>? detect = null) =>
        requested != Precision.Auto ? requested : (detect ?? Detect)(device).Preferred ? Precision.BFloat16 : Precision.Float32;

    /// <summary>
    /// The CPU's support from the text of <c>/proc/cpuinfo</c> (null: not available, as off Linux): native when
    /// a <c>flags</c> line lists <c>avx512_bf16</c> or <c>amx_bf16</c>; then, given <paramref name="measureSpeedup"/>,
    /// preferred only if it reports bfloat16 at least <see cref="MinimumSpeedup"/> times faster.
    /// </summary>
    public static BFloat16Support FromCpuInfo(string? cpuInfo, Func<double>? measureSpeedup = null)
    {
        if (cpuInfo is null)
            return new(false, $"{CpuInfo} is not readable here, so no native bfloat16 is known");
        var flags = cpuInfo.Split('\n')
            .Where(line => line.StartsWith("flags", StringComparison.Ordinal) && line.Contains(':'))
            .SelectMany(line => line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToHashSet(StringComparer.Ordinal);
        string[] native = [.. new[] { "avx512_bf16", "amx_bf16" }.Where(flags.Contains)];
        if (native.Length == 0)
            return new(false, "the CPU reports neither avx512_bf16 nor amx_bf16, so bfloat16 matmuls would be emulated");
        var reported = $"the CPU reports {string.Join(" and ", native)}";
        if (measureSpeedup is null)
            return new(true, reported);
        var speedup = measureSpeedup();
        var measured = $"a bfloat16 matmul ran {speedup:0.00}× as fast as float32 here";
        return speedup >= MinimumSpeedup
            ? new(true, $"{reported} and {measured}", speedup)
            : new(true, $"{reported}, but {measured} (bfloat16 needs {MinimumSpeedup:0.0}×)", speedup);
    }

    /// <summary>
    /// Times a 512³ matmul in float32 and in bfloat16, taking turns, on one thread, and returns float32's best
    /// time over bfloat16's: about a tenth of a second. One thread, because with two a process on the other core
    /// stalls libtorch's threads at their barriers and the ratio wandered from 0.56 to 1.2 between runs on a
    /// busy machine; the best of many short rounds, because interruptions only ever add time. The operands are
    /// constant (no draw from torch's generator, which would move every seeded run).
    /// </summary>
    internal static double MeasureCpuSpeedup()
    {
        const int size = 512, rounds = 16;
        var threads = get_num_threads();
        set_num_threads(1);
        try
        {
            using var scope = NewDisposeScope();
            var single = ones(size, size);
            var half = single.to(ScalarType.BFloat16);
            double bestSingle = double.MaxValue, bestHalf = double.MaxValue;
            for (var round = -1; round < rounds; round++)   // round -1 pays for allocation and kernel selection
            {
                var timeSingle = Time(single);
                var timeHalf = Time(half);
                if (round < 0)
                    continue;
                bestSingle = Math.Min(bestSingle, timeSingle);
                bestHalf = Math.Min(bestHalf, timeHalf);
            }
            return bestSingle / bestHalf;
        }
        finally
        {
            set_num_threads(threads);
        }

        static double Time(Tensor a)
        {
            var clock = Stopwatch.StartNew();
            using (a.matmul(a)) { }
            return clock.Elapsed.TotalSeconds;
        }
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

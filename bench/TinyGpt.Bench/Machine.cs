using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace TinyGpt.Bench;

/// <summary>What the numbers were measured on, and how busy it was.</summary>
internal static class Machine
{
    public static string Cpu() =>
        ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim()
        ?? RuntimeInformation.ProcessArchitecture.ToString();

    public static bool HasAvx512Bf16() =>
        ReadLines("/proc/cpuinfo").Any(l => l.StartsWith("flags") && l.Split(' ').Contains("avx512_bf16"));

    public static string Memory()
    {
        var total = ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:"));
        return total is null ? "?" : $"{long.Parse(total.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0 / 1024.0:F1} GiB";
    }

    /// <summary>The 1-minute load average: above the core count, every figure here is inflated.</summary>
    public static double Load() =>
        File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) : double.NaN;

    /// <summary>Resident set size of this process, in MiB.</summary>
    public static double RssMiB()
    {
        var line = ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmRSS:"));
        return line is null ? Environment.WorkingSet / 1048576.0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    }

    public static void Describe(TextWriter o, int threads, bool mallocTuned)
    {
        o.WriteLine($"CPU        {Cpu()}, {Environment.ProcessorCount} logical cores, avx512_bf16: {(HasAvx512Bf16() ? "yes" : "no")}, RAM {Memory()}");
        o.WriteLine($"Software   {RuntimeInformation.OSDescription}; .NET {Environment.Version}; TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version} (libtorch CPU)");
        o.WriteLine($"Threads    {threads} (torch.set_num_threads on both sides; OMP_NUM_THREADS={threads} for PyTorch)");
        o.WriteLine($"malloc     glibc mmap/trim thresholds raised: {(mallocTuned ? "yes (TinyGpt.GlibcMalloc)" : "no")}");
        o.WriteLine($"Load       1-min load average {Load():F2} at start");
    }

    private static IEnumerable<string> ReadLines(string path) => File.Exists(path) ? File.ReadLines(path) : [];
}

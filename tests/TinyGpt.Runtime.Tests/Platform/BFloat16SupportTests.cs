using Xunit;
using static TorchSharp.torch;

namespace TinyGpt.Runtime.Tests;

/// <summary>What Precision.Auto picks comes from what the CPU reports and how fast it measured, never from a guess.</summary>
public class BFloat16SupportTests
{
    private const string Zen5 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni\nbogomips\t: 4800\n";
    private const string SapphireRapids = "flags\t\t: fpu avx512f amx_bf16 amx_tile amx_int8\n";
    private const string Skylake = "flags\t\t: fpu sse2 avx2 avx512f avx512bw\n";

    [Theory]
    [InlineData(Zen5, true, "avx512_bf16")]
    [InlineData(SapphireRapids, true, "amx_bf16")]
    [InlineData(Skylake, false, "neither")]
    [InlineData(null, false, "not readable")]
    public void Cpu_flags_decide(string? cpuInfo, bool native, string reason)
    {
        var support = BFloat16Support.FromCpuInfo(cpuInfo);
        Assert.Equal(native, support.Native);
        Assert.Contains(reason, support.Reason);
    }

    [Theory]
    [InlineData(2.2, true)]      // Zen 5, measured
    [InlineData(0.5, false)]     // a Sapphire Rapids VM with avx512_bf16 but no AMX, measured
    [InlineData(1.19, false)]
    public void A_native_CPU_is_preferred_only_where_bfloat16_measures_faster(double speedup, bool preferred)
    {
        var support = BFloat16Support.FromCpuInfo(Zen5, () => speedup);
        Assert.True(support.Native);
        Assert.Equal(speedup, support.Speedup);
        Assert.Equal(preferred, support.Preferred);
        Assert.Contains($"{speedup:0.00}×", support.Reason);
        Assert.Equal(preferred ? Precision.BFloat16 : Precision.Float32, BFloat16Support.Resolve(Precision.Auto, CPU, _ => support));
    }

    [Fact]
    public void A_CPU_without_the_flags_is_never_timed() =>
        Assert.False(BFloat16Support.FromCpuInfo(Skylake, () => throw new InvalidOperationException("timed")).Preferred);

    [Fact]
    public void The_timing_compares_real_matmuls() =>
        Assert.InRange(BFloat16Support.MeasureCpuSpeedup(), 0.01, 100);

    [Fact]
    public void A_flag_inside_another_word_does_not_count() =>
        Assert.False(BFloat16Support.FromCpuInfo("flags\t\t: fpu xavx512_bf16x\nmodel name\t: avx512_bf16 lookalike\n").Native);

    [Fact]
    public void Auto_follows_the_detector_and_explicit_choices_pass_through()
    {
        BFloat16Support Native(Device _) => new(true, "test");
        BFloat16Support Emulated(Device _) => new(false, "test");
        Assert.Equal(Precision.BFloat16, BFloat16Support.Resolve(Precision.Auto, CPU, Native));
        Assert.Equal(Precision.Float32, BFloat16Support.Resolve(Precision.Auto, CPU, Emulated));
        Assert.Equal(Precision.Float32, BFloat16Support.Resolve(Precision.Float32, CPU, Native));
        Assert.Equal(Precision.BFloat16, BFloat16Support.Resolve(Precision.BFloat16, CPU, Emulated));
    }

    [Fact]
    public void This_machine_is_read_from_proc_cpuinfo_and_timed_where_native()
    {
        var flags = File.Exists("/proc/cpuinfo") ? BFloat16Support.FromCpuInfo(File.ReadAllText("/proc/cpuinfo")) : BFloat16Support.FromCpuInfo(null);
        var detected = BFloat16Support.Detect(CPU);
        Assert.Equal(flags.Native, detected.Native);
        Assert.Equal(flags.Native, detected.Speedup is not null);
        Assert.Same(detected, BFloat16Support.Detect(CPU));             // timed once per process
    }
}

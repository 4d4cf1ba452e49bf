using Xunit;
using static TorchSharp.torch;

namespace TinyGpt.Runtime.Tests;

/// <summary>What Precision.Auto picks comes from what the CPU reports, never from a guess.</summary>
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
    public void This_machine_is_read_from_proc_cpuinfo()
    {
        var expected = File.Exists("/proc/cpuinfo") ? BFloat16Support.FromCpuInfo(File.ReadAllText("/proc/cpuinfo")) : BFloat16Support.FromCpuInfo(null);
        Assert.Equal(expected, BFloat16Support.Detect(CPU));
    }
}

namespace TinyGpt.Generators.Tests;

/// <summary>The generator's copy of <see cref="Precision"/> (it cannot reference the runtime) must match it.</summary>
public class PrecisionTests
{
    [Fact]
    public void Generator_mirror_has_the_runtime_enum_names_and_values()
    {
        var runtime = Enum.GetValues<Precision>().Select(p => (p.ToString(), (int)p));
        var generator = Enum.GetValues<ComputePrecision>().Select(p => (p.ToString(), (int)p));
        Assert.Equal(runtime, generator);
        Assert.Equal(GptGenerator.DefaultPrecision, (int)new GptAttribute().Precision);
    }

    [Fact]
    public void BFloat16_models_compute_in_bfloat16_and_float32_models_stay_unchanged()
    {
        var bf16 = GeneratorHarness.GeneratedSource("""
            [TinyGpt.Gpt(Layers = 1, Heads = 1, Embd = 8, Precision = TinyGpt.Precision.BFloat16)]
            public partial class Half;
            """);
        var fp32 = GeneratorHarness.GeneratedSource("""
            [TinyGpt.Gpt(Layers = 1, Heads = 1, Embd = 8)]
            public partial class Full;
            """);
        Assert.Contains("BFloat16Linear(c_attn, x)", bf16);
        Assert.Contains("scores.to(global::TorchSharp.torch.ScalarType.Float32)", bf16);
        Assert.DoesNotContain("BFloat16Linear", fp32);
        Assert.Contains("c_attn.forward(x)", fp32);
    }
}

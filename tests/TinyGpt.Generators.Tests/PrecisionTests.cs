namespace TinyGpt.Generators.Tests;

/// <summary>
/// The generator's copy of <see cref="Precision"/> (it cannot reference the runtime) must match it, but for
/// <see cref="Precision.Auto"/>, which is chosen at run time and is no attribute value.
/// </summary>
public class PrecisionTests
{
    [Fact]
    public void Generator_mirror_has_the_runtime_enum_names_and_values()
    {
        var runtime = Enum.GetValues<Precision>().Where(p => p != Precision.Auto).Select(p => (p.ToString(), (int)p));
        var generator = Enum.GetValues<ComputePrecision>().Select(p => (p.ToString(), (int)p));
        Assert.Equal(runtime, generator);
        Assert.Equal(GptGenerator.DefaultPrecision, (int)new GptAttribute().Precision);
    }

    [Fact]
    public void Every_model_computes_in_its_run_time_dtype_starting_from_the_attribute_s()
    {
        var bf16 = GeneratorHarness.GeneratedSource("""
            [TinyGpt.Gpt(Layers = 1, Heads = 1, Embd = 8, Precision = TinyGpt.Precision.BFloat16)]
            public partial class Half;
            """);
        var fp32 = GeneratorHarness.GeneratedSource("""
            [TinyGpt.Gpt(Layers = 1, Heads = 1, Embd = 8)]
            public partial class Full;
            """);
        foreach (var source in new[] { bf16, fp32 })
        {
            Assert.Contains("global::TinyGpt.MixedPrecision.Linear(layer, x, ComputeDtype)", source);
            Assert.Contains("Linear(c_attn, x)", source);
            Assert.Contains("global::TinyGpt.MixedPrecision.Logits(lm_head, x, ComputeDtype)", source);
            Assert.Contains("block.mlp.ComputeDtype = dtype;", source);
            Assert.DoesNotContain("c_attn.forward(x)", source);
        }
        Assert.Contains("base(\"Half\", seed, Precision)", bf16);
        Assert.Contains("public const global::TorchSharp.torch.ScalarType ComputeType = global::TorchSharp.torch.ScalarType.BFloat16;", bf16);
        Assert.Contains("base(\"Full\", seed)", fp32);
    }
}

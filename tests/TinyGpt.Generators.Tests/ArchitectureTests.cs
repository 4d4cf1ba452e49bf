using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace TinyGpt.Generators.Tests;

/// <summary>
/// The architecture options: every combination of the family compiles clean, holds only the code its options
/// select, and counts the parameters its upstream model has.
/// </summary>
public class ArchitectureTests
{
    /// <summary>The lecture's gpt.py at its own size (6/6/384/256).</summary>
    internal const string Lecture = """
        [Gpt(Layers = 6, Heads = 6, Embd = 384, BlockSize = 256, Dropout = 0.2, Activation = Activation.Relu,
            Bias = true, QkvBias = false, LmHeadBias = true, TieWeights = false)]
        public partial class LectureGpt;
        """;

    /// <summary>nanochat's block at baby's size.</summary>
    internal const string Modern = """
        [Gpt(Layers = 4, Heads = 4, KvHeads = 2, Embd = 128, BlockSize = 64, Positions = Positions.Rotary,
            Norm = Norm.RmsNorm, NormWeights = false, QkNorm = true, EmbeddingNorm = true,
            Activation = Activation.ReluSquared, LogitSoftcap = 15, TieWeights = false)]
        public partial class ModernGpt;
        """;

    public static TheoryData<string, string> Declarations => new()
    {
        { "lecture", Lecture },
        { "modern", Modern },
        { "swiglu, GQA, RMSNorm with weights, bfloat16", """
            [Gpt(Layers = 2, Heads = 6, KvHeads = 3, Embd = 48, BlockSize = 16, Activation = Activation.SwiGlu,
                Norm = Norm.RmsNorm, MlpHidden = 100, Positions = Positions.Rotary, RopeBase = 500000,
                QkNorm = true, Precision = Precision.BFloat16, Dropout = 0.1)]
            public partial class LlamaGpt;
            """ },
        { "parameter-free LayerNorm, biases, MQA, embedding norm, tied, softcap", """
            [Gpt(Layers = 3, Heads = 5, KvHeads = 1, Embd = 40, BlockSize = 12, NormWeights = false, Bias = true,
                EmbeddingNorm = true, QkNorm = true, LogitSoftcap = 30, LmHeadBias = true)]
            public partial class MixedGpt;
            """ },
    };

    [Theory]
    [MemberData(nameof(Declarations))]
    public async Task Output_compiles_without_any_diagnostic(string description, string source)
    {
        var run = GeneratorHarness.Run("using TinyGpt;\n" + source);

        var generated = Assert.Single(run.Result.Results).GeneratedSources;
        Assert.Equal(2, generated.Length); // the model and its KV-cache path
        var diagnostics = (await run.AllDiagnosticsAsync())
            .Where(d => d.Severity != DiagnosticSeverity.Hidden)
            .Select(d => d.ToString());
        Assert.True(!diagnostics.Any(), $"{description}:\n{string.Join("\n", diagnostics)}");
    }

    [Theory]
    [InlineData(Lecture, 10_788_929L)]
    // nanochat at 4/4(2)/128, V 65: wte 8,320 + 4 × (c_attn 128·(4+4)·32 + c_proj 128² + MLP 2·4·128²) + lm_head 8,320.
    [InlineData(Modern, 8_320L + 4 * (128 * 8 * 32 + 128 * 128 + 8 * 128 * 128) + 8_320L)]
    public void ParameterCount_is_the_upstream_models(string source, long expected)
    {
        var generated = GeneratorHarness.GeneratedSource("using TinyGpt;\n" + source);
        Assert.Contains($"public const long ParameterCount = {expected}L;", generated);
    }

    [Fact]
    public void Generated_code_holds_only_what_the_options_select()
    {
        var modern = GeneratorHarness.GeneratedSource("using TinyGpt;\n" + Modern);
        Assert.DoesNotContain("transformer.wpe", modern);
        Assert.DoesNotContain("gelu", modern, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("LayerNorm(", modern);
        Assert.Contains("repeat_interleave(Heads / KvHeads, dim: 1)", modern);
        Assert.Contains("ApplyRotary(q, cos, sin)", modern);
        Assert.Contains("LogitSoftcap * (logits / LogitSoftcap).tanh()", modern);
        Assert.DoesNotMatch(new Regex(@"\bif \((KvHeads|Activation|Positions|LogitSoftcap)"), modern);

        var lecture = GeneratorHarness.GeneratedSource("using TinyGpt;\n" + Lecture);
        Assert.DoesNotContain("transformer.drop", lecture);
        Assert.DoesNotContain("ResidualInitStd", lecture);
        Assert.Contains("hasBias: false);", lecture);          // c_attn: the lecture's key/query/value have no bias
        Assert.Contains("lm_head = global::TorchSharp.torch.nn.Linear(Embd, VocabSize, hasBias: true);", lecture);
    }
}

/// <summary>The generator's copies of the option enums and defaults (it cannot reference the runtime) match the runtime's.</summary>
public class OptionMirrorTests
{
    static IEnumerable<(string, int)> Members<T>() where T : struct, Enum =>
        Enum.GetValues<T>().Select(v => (v.ToString(), Convert.ToInt32(v)));

    [Fact]
    public void Generator_mirrors_have_the_runtime_enum_names_and_values()
    {
        Assert.Equal(Members<Activation>(), Members<MlpActivation>());
        Assert.Equal(Members<Norm>(), Members<NormKind>());
        Assert.Equal(Members<Positions>(), Members<PositionKind>());
    }

    [Fact]
    public void Generator_defaults_are_the_attributes()
    {
        var attribute = new GptAttribute { Heads = 6, Embd = 96, Bias = true };
        var defaults = DeclaredOptions.Defaults;
        Assert.Equal(defaults.Activation, (int)attribute.Activation);
        Assert.Equal(defaults.Norm, (int)attribute.Norm);
        Assert.Equal(defaults.NormWeights, attribute.NormWeights);
        Assert.Equal(defaults.Positions, (int)attribute.Positions);
        Assert.Equal(Architecture.DefaultRopeBase, attribute.RopeBase);
        Assert.Equal(defaults.QkNorm, attribute.QkNorm);
        Assert.Equal(defaults.EmbeddingNorm, attribute.EmbeddingNorm);
        Assert.Equal(defaults.LogitSoftcap, attribute.LogitSoftcap);
        Assert.Equal(defaults.LmHeadBias, attribute.LmHeadBias);
        Assert.Equal(6, attribute.KvHeads);                  // not set: Heads
        Assert.True(attribute.QkvBias);                      // not set: Bias
        Assert.Equal(4 * 96, attribute.MlpHidden);           // not set: 4·Embd
        var config = new GptConfig(2, 6, 96, 16, 65, Bias: true);
        Assert.Equal((6, true, 384), (config.KvHeads, config.QkvBias!.Value, config.MlpHidden));
    }
}

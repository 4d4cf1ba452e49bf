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

        Assert.Single(Assert.Single(run.Result.Results).GeneratedSources);
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

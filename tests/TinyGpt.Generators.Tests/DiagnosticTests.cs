using System.Globalization;
using System.Numerics;
using Microsoft.CodeAnalysis;

namespace TinyGpt.Generators.Tests;

/// <summary>
/// Every TGPT rule: its ID, the exact source it underlines and its message; and that an invalid class
/// gets its TGPT error and nothing else (no cascade of compiler errors; generated source only for a
/// value error, the fallback of <see cref="FallbackTests"/>).
/// </summary>
public class DiagnosticTests
{
    private const string Valid = "Layers = 4, Heads = 4, Embd = 128";

    public static TheoryData<string, string, string, string> Rules => new()
    {
        {
            "[Gpt(Layers = 4, Heads = 4)] public partial class NoEmbd;",
            "TGPT001", "Gpt(Layers = 4, Heads = 4)",
            "[Gpt] on 'NoEmbd' must set Embd (nanoGPT's n_embd, the width of the residual stream)"
        },
        {
            "[Gpt(Embd = 128, Heads = 4)] public partial class NoLayers;",
            "TGPT001", "Gpt(Embd = 128, Heads = 4)",
            "[Gpt] on 'NoLayers' must set Layers (nanoGPT's n_layer, the number of transformer blocks)"
        },
        {
            "[Gpt(Layers = 0, Heads = 4, Embd = 128)] public partial class ZeroLayers;",
            "TGPT002", "Layers = 0",
            "Layers = 0 is below 1: a GPT needs at least one transformer block"
        },
        {
            $"[Gpt({Valid}, BlockSize = -5)] public partial class NegativeContext;",
            "TGPT002", "BlockSize = -5",
            "BlockSize = -5 is below 1: a GPT needs at least one token of context"
        },
        {
            "[Gpt(Layers = 4, Heads = 0, Embd = 128)] public partial class NoHeads;",
            "TGPT002", "Heads = 0",
            "Heads = 0 is below 1: a GPT needs at least one attention head"
        },
        {
            $"[Gpt({Valid}, VocabSize = 1)] public partial class OneToken;",
            "TGPT003", "VocabSize = 1",
            "VocabSize = 1 is below 2: a language model chooses between at least two tokens"
        },
        {
            "[Gpt(Layers = 4, Heads = 4, Embd = 130)] public partial class Uneven;",
            "TGPT004", "Embd = 130",
            "Embd 130 is not divisible by Heads 4 (130 / 4 = 32.5): every head needs a whole number of dimensions; the nearest valid values are Embd 128 and Embd 132"
        },
        {
            "[Gpt(Layers = 4, Heads = 8, Embd = 4)] public partial class TooManyHeads;",
            "TGPT004", "Embd = 4",
            "Embd 4 is not divisible by Heads 8 (4 / 8 = 0.5): every head needs a whole number of dimensions; the smallest valid value is Embd 8"
        },
        {
            $"[Gpt({Valid}, Dropout = 1)] public partial class AllDropped;",
            "TGPT005", "Dropout = 1",
            "Dropout = 1.0 is outside [0, 1): it is the probability of zeroing an activation while training, and 1 would zero them all"
        },
        {
            $"[Gpt({Valid}, Dropout = -0.1)] public partial class NegativeDropout;",
            "TGPT005", "Dropout = -0.1",
            "Dropout = -0.1 is outside [0, 1): it is the probability of zeroing an activation while training, and 1 would zero them all"
        },
        {
            "[Gpt(Layers = 1000000, Heads = 16, Embd = 1048576)] public partial class Huge;",
            "TGPT006", "Gpt(Layers = 1000000, Heads = 16, Embd = 1048576)",
            $"This model would have {HugeParameters} parameters and {HugeFlops} training FLOPs per token; ParameterCount and FlopsPerToken must each fit in a long (at most 9,223,372,036,854,775,807)"
        },
        {
            $"[Gpt({Valid})] public class NotPartial;",
            "TGPT007", "NotPartial",
            "'NotPartial' must be declared partial: the TinyGpt generator writes the rest of the class"
        },
        {
            $"[Gpt({Valid})] public partial class Generic<T>;",
            "TGPT008", "Generic",
            "'Generic' must not be generic: a [Gpt] class is one concrete architecture"
        },
        {
            $"[Gpt({Valid})] public partial class Derived : System.Exception;",
            "TGPT009", "System.Exception",
            "'Derived' must not derive from 'System.Exception': the generator makes it derive from TinyGpt.LanguageModel"
        },
        {
            $"public class Outer {{ [Gpt({Valid})] public partial class Inner; }}",
            "TGPT010", "Outer",
            "'Outer' must be declared partial because it contains the [Gpt] class 'Inner', which the generator extends"
        },
        {
            $"[Gpt({Valid})] public static partial class StaticGpt;",
            "TGPT011", "StaticGpt",
            "'StaticGpt' must not be static: a model is an object that holds its parameters"
        },
        {
            $"[Gpt({Valid})] public partial record RecordGpt;",
            "TGPT012", "RecordGpt",
            "'RecordGpt' is a record; [Gpt] applies to a partial class (a record cannot derive from TinyGpt.LanguageModel)"
        },
        {
            $"[Gpt({Valid})] public partial class Block;",
            "TGPT013", "Block",
            "'Block' cannot name a [Gpt] class: the generated model has a member called 'Block', and a member cannot share its class's name"
        },
        {
            $"[Gpt({Valid})] file partial class Hidden;",
            "TGPT014", "Hidden",
            "'Hidden' must not be file-local (nor nested in a file-local type): the generator writes the rest of the class in another file, which cannot reach it"
        },
        {
            $"[Gpt({Valid})] public partial class OwnLayers {{ public int Layers => 2; }}",
            "TGPT015", "Layers",
            "'OwnLayers' declares a member named 'Layers', which the generator writes for every [Gpt] class; rename or remove it"
        },
        {
            $"[Gpt({Valid})] public partial class OwnWhere {{ private const string Where = \"mine\"; }}",
            "TGPT015", "Where",
            "'OwnWhere' declares a member named 'Where', which the generator writes for every [Gpt] class; rename or remove it"
        },
        {
            $"[Gpt({Valid})] public partial class OwnConstructor {{ public OwnConstructor() {{ }} }}",
            "TGPT015", "OwnConstructor",
            "'OwnConstructor' declares a parameterless constructor, which the generator writes for every [Gpt] class; rename or remove it"
        },
        {
            $"[Gpt({Valid}, Precision = (Precision)7)] public partial class OddPrecision;",
            "TGPT016", "Precision = (Precision)7",
            "Precision = 7 is not a precision a model can be generated with: use Precision.Float32 (0) or Precision.BFloat16 (1); Precision.Auto (2) is chosen at run time (LanguageModel.ComputePrecision, TrainingOptions.Precision)"
        },
        {
            $"[Gpt({Valid}, Precision = Precision.Auto)] public partial class AutoPrecision;",
            "TGPT016", "Precision = Precision.Auto",
            "Precision = 2 is not a precision a model can be generated with: use Precision.Float32 (0) or Precision.BFloat16 (1); Precision.Auto (2) is chosen at run time (LanguageModel.ComputePrecision, TrainingOptions.Precision)"
        },
        {
            $"[Gpt({Valid}, KvHeads = 3)] public partial class UnevenGroups;",
            "TGPT017", "KvHeads = 3",
            "KvHeads = 3 does not fit Heads = 4: 4 / 3 = 1.333 is not whole; every key/value head serves the same number of query heads, so KvHeads must divide Heads (1, 2 or 4)"
        },
        {
            $"[Gpt({Valid}, KvHeads = 8)] public partial class MoreKvThanQ;",
            "TGPT017", "KvHeads = 8",
            "KvHeads = 8 does not fit Heads = 4: 8 is more than Heads; every key/value head serves the same number of query heads, so KvHeads must divide Heads (1, 2 or 4)"
        },
        {
            $"[Gpt({Valid}, KvHeads = 0)] public partial class NoKv;",
            "TGPT017", "KvHeads = 0",
            "KvHeads = 0 does not fit Heads = 4: it is below 1; every key/value head serves the same number of query heads, so KvHeads must divide Heads (1, 2 or 4)"
        },
        {
            "[Gpt(Layers = 2, Heads = 4, Embd = 36, Positions = Positions.Rotary)] public partial class OddRotary;",
            "TGPT018", "Positions = Positions.Rotary",
            "Positions.Rotary needs an even HeadSize, but Embd 36 / Heads 4 = 9: rotary embeddings turn each head's dimensions in pairs (x[..., :hs/2] with x[..., hs/2:]); the nearest valid values are Embd 32 and Embd 40"
        },
        {
            $"[Gpt({Valid}, LogitSoftcap = -15)] public partial class NegativeCap;",
            "TGPT019", "LogitSoftcap = -15",
            "LogitSoftcap = -15.0 is negative: the logits become c·tanh(logits / c) for a finite c > 0, and 0 turns the softcap off"
        },
        {
            $"[Gpt({Valid}, LogitSoftcap = double.PositiveInfinity)] public partial class InfiniteCap;",
            "TGPT019", "LogitSoftcap = double.PositiveInfinity",
            "LogitSoftcap = Infinity is infinite: the logits become c·tanh(logits / c) for a finite c > 0, and 0 turns the softcap off"
        },
        {
            $"[Gpt({Valid}, MlpHidden = 0)] public partial class NoHidden;",
            "TGPT020", "MlpHidden = 0",
            "MlpHidden = 0 is below 1: the MLP needs at least one hidden unit (leave it unset for 4·Embd = 512)"
        },
        {
            $"[Gpt({Valid}, Positions = Positions.Rotary, RopeBase = 1)] public partial class FlatRope;",
            "TGPT021", "RopeBase = 1",
            "RopeBase = 1.0 must be a finite number above 1: position p turns pair i of a head by p·RopeBase^(−2i/HeadSize), and a base of 1 or less turns every position alike"
        },
        {
            $"[Gpt({Valid}, Activation = (Activation)9)] public partial class OddActivation;",
            "TGPT022", "Activation = (Activation)9",
            "Activation = 9 is not a TinyGpt.Activation value: use Activation.Gelu (0), Activation.Relu (1), Activation.ReluSquared (2) or Activation.SwiGlu (3)"
        },
        {
            $"[Gpt({Valid}, Norm = (Norm)(-1))] public partial class OddNorm;",
            "TGPT022", "Norm = (Norm)(-1)",
            "Norm = -1 is not a TinyGpt.Norm value: use Norm.LayerNorm (0) or Norm.RmsNorm (1)"
        },
        {
            $"[Gpt({Valid}, Positions = (Positions)2)] public partial class OddPositions;",
            "TGPT022", "Positions = (Positions)2",
            "Positions = 2 is not a TinyGpt.Positions value: use Positions.Learned (0) or Positions.Rotary (1)"
        },
        {
            $"[Gpt({Valid}, RopeBase = 500000)] public partial class RopeWithoutRotary;",
            "TGPT023", "RopeBase = 500000",
            "RopeBase = 500000.0 has no effect: it is the base of rotary position embeddings, and this model has Positions.Learned; set Positions = Positions.Rotary or remove RopeBase"
        },
    };

    // Layers 1,000,000 × (12·C² + 2·C) with C = 2^20 and the default BlockSize 256, VocabSize 65, tied.
    private static readonly BigInteger HugeC = 1048576, HugeL = 1000000;
    private static readonly BigInteger HugeTotal = 65 * HugeC + 256 * HugeC + HugeL * (12 * HugeC * HugeC + 2 * HugeC) + HugeC;
    private static string HugeParameters => HugeTotal.ToString("N0", CultureInfo.InvariantCulture);
    private static string HugeFlops => (6 * (HugeTotal - 256 * HugeC) + 12 * HugeL * HugeC * 256).ToString("N0", CultureInfo.InvariantCulture);

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task Rule_reports_id_location_and_message_and_nothing_else(string declaration, string id, string span, string message)
    {
        var run = GeneratorHarness.Run("using TinyGpt;\n" + declaration);

        var diagnostic = Assert.Single(await run.VisibleDiagnosticsAsync());
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(span, diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan));
        Assert.Equal(message, diagnostic.GetMessage(CultureInfo.InvariantCulture));
        Assert.Equal(FallbackTests.ValueErrors.Contains(id) ? 1 : 0, run.Result.GeneratedTrees.Length);
    }

    [Fact]
    public async Task Every_problem_of_a_declaration_is_reported()
    {
        var run = GeneratorHarness.Run("""
            [TinyGpt.Gpt(Layers = 0, Heads = 3, Embd = 128, VocabSize = 0, Dropout = 2)]
            public class Broken<T>;
            """);

        var ids = (await run.VisibleDiagnosticsAsync()).Select(d => d.Id).Order();
        Assert.Equal(["TGPT002", "TGPT003", "TGPT004", "TGPT005", "TGPT007", "TGPT008"], ids);
        Assert.Empty(run.Result.GeneratedTrees);
    }

    [Fact]
    public async Task Attribute_on_a_struct_gets_only_the_compiler_error()
    {
        var run = GeneratorHarness.Run($"[TinyGpt.Gpt({Valid})] public partial struct NotAClass;");

        Assert.Equal(["CS0592"], (await run.VisibleDiagnosticsAsync()).Select(d => d.Id));
        Assert.Empty(run.Result.GeneratedTrees);
    }

    [Fact]
    public async Task Duplicate_attributes_on_partial_declarations_emit_one_model()
    {
        var run = GeneratorHarness.Run(
            $"[TinyGpt.Gpt({Valid})] public partial class Twice;",
            $"[TinyGpt.Gpt({Valid})] public partial class Twice;");

        Assert.Equal(["CS0579"], (await run.VisibleDiagnosticsAsync()).Select(d => d.Id));
        Assert.Equal(2, run.Result.GeneratedTrees.Length); // one model: its main and its KV-cache source
    }

    [Fact]
    public async Task Argument_of_the_wrong_type_gets_only_the_compiler_error()
    {
        var run = GeneratorHarness.Run("[TinyGpt.Gpt(Layers = \"four\", Heads = 4, Embd = 128)] public partial class Typo;");

        Assert.Equal(["CS0029"], (await run.VisibleDiagnosticsAsync()).Select(d => d.Id));
        Assert.Empty(run.Result.GeneratedTrees);
    }
}

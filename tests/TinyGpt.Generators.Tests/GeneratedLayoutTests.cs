using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TinyGpt.Generators.Tests;

/// <summary>
/// How the generated code is laid out, for every option combination: no line past 120 columns, the KV-cache
/// path in its own source, one forward pass per module in the main source, and a comment on every line of
/// every forward.
/// </summary>
public class GeneratedLayoutTests
{
    private const int MaxWidth = 120;

    /// <summary>
    /// A spread of declarations: every activation, norm, position kind, grouping, precision and dropout with
    /// every other, the remaining options switched on and off by the bits of the index so that each value of
    /// each occurs with many others. Class names are as long as a descriptive name gets.
    /// </summary>
    private static string[] Spread()
    {
        string[] activations = ["Gelu", "Relu", "ReluSquared", "SwiGlu"];
        var declarations = new List<string>();
        var i = 0;
        foreach (var activation in activations)
            foreach (var rms in new[] { false, true })
                foreach (var rotary in new[] { false, true })
                    foreach (var grouped in new[] { false, true })
                        foreach (var bf16 in new[] { false, true })
                            foreach (var dropout in new[] { false, true })
                            {
                                bool Bit(int b) => ((i * 2654435761u) >> b & 1) == 1;
                                var options = new List<string>
                                {
                                    "Layers = 2", grouped ? "Heads = 6, KvHeads = 2" : "Heads = 4", "Embd = 48",
                                    "BlockSize = 16", $"Activation = Activation.{activation}",
                                };
                                if (rms) options.Add("Norm = Norm.RmsNorm");
                                if (rotary) options.Add("Positions = Positions.Rotary, RopeBase = 500000");
                                if (bf16) options.Add("Precision = Precision.BFloat16");
                                if (dropout) options.Add("Dropout = 0.1");
                                if (Bit(3)) options.Add("QkNorm = true");
                                if (Bit(4)) options.Add("EmbeddingNorm = true");
                                if (Bit(5)) options.Add("LogitSoftcap = 15");
                                if (Bit(6)) options.Add("Bias = true");
                                if (Bit(7)) options.Add("TieWeights = false");
                                if (Bit(8)) options.Add("NormWeights = false");
                                if (Bit(9)) options.Add("QkvBias = " + (Bit(6) ? "false" : "true"));
                                if (Bit(10)) options.Add("LmHeadBias = true");
                                if (Bit(11)) options.Add("MlpHidden = 100");
                                declarations.Add($"[Gpt({string.Join(", ", options)})]\npublic partial class ShakespeareCharacterModel{i++:000};");
                            }
        return [.. declarations];
    }

    private static readonly string SpreadSource = "using TinyGpt;\nnamespace Demo.Models;\n" + string.Join("\n", Spread());

    /// <summary>One run over the spread for all the tests here (it holds 128 models).</summary>
    private static readonly Lazy<GeneratorRun> SpreadRun = new(() => GeneratorHarness.Run(SpreadSource));

    /// <summary>Declarations the spread does not reach: nested in generic types, deep namespaces, invalid values.</summary>
    public static TheoryData<string, string> Others => new()
    {
        { "snapshot models", """
            using TinyGpt;
            namespace Demo;
            [Gpt(Layers = 4, Heads = 4, Embd = 128, BlockSize = 64)] public partial class BabyGpt;
            [Gpt(Layers = 6, Heads = 6, Embd = 384, BlockSize = 256, Dropout = 0.2)] public partial class ShakespeareCharGpt;
            [Gpt(Layers = 2, Heads = 2, Embd = 64, BlockSize = 32, Bias = true, TieWeights = false)] public partial class BiasedUntiedGpt;
            [Gpt(Layers = 4, Heads = 4, Embd = 128, BlockSize = 64, Precision = Precision.BFloat16)] public partial class BabyBf16Gpt;
            [Gpt(Layers = 6, Heads = 6, Embd = 384, BlockSize = 256, Dropout = 0.2, Precision = Precision.BFloat16)]
            public partial class ShakespeareBf16Gpt;
            """ + "\n" + ArchitectureTests.Lecture + "\n" + ArchitectureTests.Modern },
        // Each containing type indents the code 4 more columns; the widest forward lines fit one level of nesting.
        { "nested in a generic type in a deep namespace", """
            using TinyGpt;
            namespace Company.Product.LanguageModels.Experiments
            {
                public partial class Outer<TFirst, TSecond>
                {
                    [Gpt(Layers = 2, Heads = 6, KvHeads = 3, Embd = 48, BlockSize = 16, Activation = Activation.SwiGlu,
                        Norm = Norm.RmsNorm, Positions = Positions.Rotary, QkNorm = true, EmbeddingNorm = true,
                        LogitSoftcap = 30, Precision = Precision.BFloat16, Dropout = 0.1, MlpHidden = 100)]
                    public partial class CharacterLevelModernGpt;
                }
            }
            """ },
        { "invalid values: the stand-in", """
            namespace Demo;
            [TinyGpt.Gpt(Layers = 0, Heads = 3, Embd = 128, BlockSize = 64, Dropout = 1.5, VocabSize = 1, KvHeads = 2,
                Positions = TinyGpt.Positions.Rotary, LogitSoftcap = -1)]
            public partial class ShakespeareCharacterLevelGpt;
            """ },
    };

    [Fact]
    public async Task No_line_of_the_spread_passes_120_columns_and_every_model_compiles_clean()
    {
        var run = SpreadRun.Value;
        var generated = Assert.Single(run.Result.Results).GeneratedSources;
        Assert.Equal(2 * Spread().Length, generated.Length);
        AssertWithinWidth(generated);

        var diagnostics = (await run.AllDiagnosticsAsync())
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Select(d => d.ToString())
            .ToList();
        Assert.True(diagnostics.Count == 0, string.Join("\n", diagnostics.Take(20)));
    }

    [Theory]
    [MemberData(nameof(Others))]
    public void No_generated_line_passes_120_columns(string description, string source)
    {
        var run = GeneratorHarness.Run(source);
        var generated = Assert.Single(run.Result.Results).GeneratedSources;
        Assert.True(generated.Length > 0, description);
        AssertWithinWidth(generated);
    }

    [Fact]
    public void The_KV_cache_path_is_in_the_second_source_and_only_there()
    {
        var run = SpreadRun.Value;
        var generated = Assert.Single(run.Result.Results).GeneratedSources;
        foreach (var main in generated.Where(s => s.HintName.EndsWith(".Gpt.g.cs", StringComparison.Ordinal)))
        {
            var kvHint = main.HintName.Replace(".Gpt.g.cs", ".KvCache.g.cs");
            var kv = Assert.Single(generated, s => s.HintName == kvHint);
            var mainText = main.SourceText.ToString();
            var kvText = kv.SourceText.ToString();

            Assert.DoesNotContain("KvCache", Code(main));
            Assert.DoesNotContain("ICachedLanguageModel", Code(main));
            Assert.DoesNotContain("cache.Attend", mainText);

            var kvRoot = kv.SyntaxTree.GetRoot();
            var forwards = kvRoot.DescendantNodes().OfType<MethodDeclarationSyntax>()
                .Where(m => m.Identifier.Text == "forward" && m.Body is not null)
                .Select(m => (Class: ((TypeDeclarationSyntax)m.Parent!).Identifier.Text,
                    Parameters: string.Join(", ", m.ParameterList.Parameters.Select(p => p.Type!.ToString()))))
                .ToList();
            var model = main.HintName.Split('.')[^4];
            Assert.Equal(
                [(model, "global::TorchSharp.torch.Tensor, KvCache"),
                 ("Block", "global::TorchSharp.torch.Tensor, KvCache, int"),
                 ("CausalSelfAttention", "global::TorchSharp.torch.Tensor, KvCache, int")],
                forwards);
            Assert.Contains("public sealed class KvCache : global::TinyGpt.KeyValueCache", kvText);
            Assert.Contains(": global::TinyGpt.ICachedLanguageModel", kvText);
        }
    }

    [Fact]
    public void The_main_source_has_one_forward_pass_per_module_and_every_forward_line_a_comment()
    {
        var run = SpreadRun.Value;
        foreach (var source in Assert.Single(run.Result.Results).GeneratedSources)
        {
            var root = source.SyntaxTree.GetRoot();
            var main = source.HintName.EndsWith(".Gpt.g.cs", StringComparison.Ordinal);
            foreach (var type in root.DescendantNodes().OfType<ClassDeclarationSyntax>())
            {
                var forwards = type.Members.OfType<MethodDeclarationSyntax>().Where(m => m.Identifier.Text == "forward").ToList();
                var passes = forwards.Where(m => m.Body is not null).ToList();
                if (main && type.Identifier.Text != "Transformer")
                    Assert.True(passes.Count == 1, $"{source.HintName}: {type.Identifier.Text} has {passes.Count} forward passes");
                // The others only hand over: Module's forward(x) to forward(x, checkShapes: true).
                foreach (var delegating in forwards.Where(m => m.Body is null && m.ExplicitInterfaceSpecifier is null))
                    Assert.Equal("forward(x, checkShapes: true)", delegating.ExpressionBody!.Expression.ToString());

                foreach (var pass in passes)
                {
                    var lines = pass.Body!.ToFullString().Split('\n').Select(l => l.Trim())
                        .Where(l => l.Length > 0 && l is not "{" and not "}");
                    foreach (var line in lines)
                        Assert.True(line.Contains("// "), $"{source.HintName}, {type.Identifier.Text}.forward: no comment on `{line}`");
                }
            }
        }
    }

    [Fact]
    public void Members_of_either_generated_source_are_not_the_user_s()
    {
        var run = GeneratorHarness.Run("""
            namespace Demo;
            [TinyGpt.Gpt(Layers = 1, Heads = 2, Embd = 8, BlockSize = 4)]
            public partial class Mine { public int Own() => 1; }
            """);
        var type = run.Output.GetTypeByMetadataName("Demo.Mine")!;
        Assert.Contains(type.GetMembers(), m => m.Name == "CreateCache");   // from the KV-cache source
        Assert.Equal(["Own"], GptGenerator.UserMembers(type).Select(m => m.Name));
    }

    /// <summary>The source without its comments, so that what docs and comments mention does not count as code.</summary>
    private static string Code(GeneratedSourceResult source) =>
        string.Concat(source.SyntaxTree.GetRoot().DescendantTokens().Select(t => t.Text + " "));

    private static void AssertWithinWidth(IEnumerable<GeneratedSourceResult> sources)
    {
        var failures = sources
            .SelectMany(s => GeneratorHarness.LongLines(s.SourceText.ToString(), MaxWidth).Select(l => $"{s.HintName}:{l}"))
            .ToList();
        // One example of each offending line, the spread's numbered class names aside.
        var distinct = failures.DistinctBy(f => Regex.Replace(f[(f.IndexOf(") ") + 2)..], "[0-9]+", "0")).Take(40);
        Assert.True(failures.Count == 0, $"{failures.Count} lines past {MaxWidth} columns:\n{string.Join("\n", distinct)}");
    }
}

using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using TinyGpt.CodeFixes;
using TinyGpt.Generators.ShapeAnalysis;

namespace TinyGpt.Generators.Tests.ShapeAnalysis;

/// <summary>The code fixes, through Roslyn's code-fix test framework, against .NET 10, TorchSharp and TinyGpt.Runtime.</summary>
public class CodeFixTests
{
    private sealed class Test<TAnalyzer, TFix> : CSharpCodeFixTest<TAnalyzer, TFix, DefaultVerifier>
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TFix : CodeFixProvider, new()
    {
        public Test()
        {
            // No reference-assembly download: the same references the other tests compile against.
            ReferenceAssemblies = new ReferenceAssemblies("net10.0");
            TestState.AdditionalReferences.AddRange(Basic.Reference.Assemblies.Net100.References.All);
            TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location));
            TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(GptAttribute).Assembly.Location));
            SolutionTransforms.Add((solution, projectId) =>
            {
                var options = solution.GetProject(projectId)!.CompilationOptions!;
                return solution.WithProjectCompilationOptions(projectId, options.WithSpecificDiagnosticOptions(
                    options.SpecificDiagnosticOptions.SetItem("CS1701", ReportDiagnostic.Suppress).SetItem("CS1702", ReportDiagnostic.Suppress)));
            });
        }
    }

    [Fact]
    public async Task Missing_transpose_is_added_to_the_second_operand()
    {
        var test = new Test<ShapeAnalyzer, MissingTransposeFix>
        {
            TestCode = ShapeHarness.Usings + """
                public static class Attention
                {
                    public static Tensor Scores()
                    {
                        var q = torch.randn(4, 8, 16);
                        var k = torch.randn(4, 8, 16);
                        return {|TGPT101:q.matmul(k)|};
                    }
                }
                """,
            FixedCode = ShapeHarness.Usings + """
                public static class Attention
                {
                    public static Tensor Scores()
                    {
                        var q = torch.randn(4, 8, 16);
                        var k = torch.randn(4, 8, 16);
                        return q.matmul(k.transpose(-2, -1));
                    }
                }
                """,
        };
        await test.RunAsync();
    }

    [Fact]
    public async Task No_transpose_is_offered_where_it_would_not_fit()
    {
        const string source = ShapeHarness.Usings + """
            public static class Attention
            {
                public static Tensor Output()
                {
                    var wei = torch.randn(4, 8, 8);
                    var v = torch.randn(4, 8, 16);
                    return {|TGPT101:v.matmul(wei)|};
                }
            }
            """;
        var test = new Test<ShapeAnalyzer, MissingTransposeFix> { TestCode = source, FixedCode = source };
        await test.RunAsync();
    }

    [Theory]
    [InlineData(0, "128")]
    [InlineData(1, "132")]
    public async Task Embd_is_set_to_the_nearest_multiple_of_Heads(int index, string value)
    {
        var test = new Test<GptAnalyzer, EmbdNotDivisibleFix>
        {
            TestCode = """
                using TinyGpt;
                [Gpt(Layers = 4, Heads = 4, {|TGPT004:Embd = 130|}, BlockSize = 64)]
                public partial class Odd;
                """,
            FixedCode = $$"""
                using TinyGpt;
                [Gpt(Layers = 4, Heads = 4, Embd = {{value}}, BlockSize = 64)]
                public partial class Odd;
                """,
            CodeActionIndex = index,
            CodeActionEquivalenceKey = $"TGPT004:{value}",
        };
        await test.RunAsync();
    }
}

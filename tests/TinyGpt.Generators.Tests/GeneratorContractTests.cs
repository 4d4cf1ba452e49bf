using Microsoft.CodeAnalysis;

namespace TinyGpt.Generators.Tests;

/// <summary>Small promises of the generator that the other suites do not pin down.</summary>
public class GeneratorContractTests
{
    [Fact]
    public void Parser_defaults_are_the_attributes_defaults()
    {
        var attribute = new GptAttribute();
        Assert.Equal(GptGenerator.DefaultBlockSize, attribute.BlockSize);
        Assert.Equal(GptGenerator.DefaultVocabSize, attribute.VocabSize);
        Assert.Equal(GptGenerator.DefaultDropout, attribute.Dropout);
        Assert.Equal(GptGenerator.DefaultBias, attribute.Bias);
        Assert.Equal(GptGenerator.DefaultTieWeights, attribute.TieWeights);
    }

    [Fact]
    public void Every_descriptor_is_supported_by_the_analyzer_and_listed_as_shipped()
    {
        var descriptors = typeof(DiagnosticDescriptors)
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToList();
        var shipped = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "TinyGpt.Generators", "AnalyzerReleases.Shipped.md"));

        // The declaration analyzer reports the [Gpt] errors, the shape analyzer its TGPT1xx warnings; between them, every descriptor.
        var supported = new GptAnalyzer().SupportedDiagnostics
            .Concat(new TinyGpt.Generators.ShapeAnalysis.ShapeAnalyzer().SupportedDiagnostics);
        Assert.Equal(descriptors.Select(d => d.Id).Order(), supported.Select(d => d.Id).Order());
        Assert.All(descriptors, d =>
        {
            var row = d.Category == "TinyGpt.Shapes" ? $"{d.Id} | TinyGpt.Shapes | Warning |" : $"{d.Id} | TinyGpt | Error |";
            Assert.Equal(d.Category == "TinyGpt.Shapes" ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error, d.DefaultSeverity);
            Assert.Contains(row, shipped);
        });
    }

    [Fact]
    public void A_type_and_a_namespace_of_the_same_name_get_distinct_files()
    {
        var run = GeneratorHarness.Run("""
            namespace A.B
            {
                [TinyGpt.Gpt(Layers = 1, Heads = 1, Embd = 8)]
                public partial class C;
            }
            namespace A
            {
                public partial class B
                {
                    [TinyGpt.Gpt(Layers = 1, Heads = 1, Embd = 8)]
                    public partial class C;
                }
            }
            """);

        var result = Assert.Single(run.Result.Results);
        Assert.Null(result.Exception);
        Assert.Equal(["A.B+C.Gpt.g.cs", "A.B+C.KvCache.g.cs", "A.B.C.Gpt.g.cs", "A.B.C.KvCache.g.cs"],
            result.GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
    }

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));
}

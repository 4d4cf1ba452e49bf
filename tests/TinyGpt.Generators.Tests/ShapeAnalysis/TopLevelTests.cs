using Microsoft.CodeAnalysis;

namespace TinyGpt.Generators.Tests.ShapeAnalysis;

/// <summary>File-based apps and walkthrough scripts are top-level statements: the analyzer must see them too.</summary>
public class TopLevelTests
{
    [Fact]
    public async Task Top_level_statements_are_checked()
    {
        var compilation = GeneratorHarness.Compile(ShapeHarness.Usings + """
            var q = torch.randn(4, 8, 16);
            var k = torch.randn(4, 8, 16);
            var wei = q.matmul(k);
            var ok = q.matmul(k.transpose(-2, -1));
            Console.WriteLine(wei.shape.Length + ok.shape.Length);
            """);
        compilation = compilation.WithOptions(compilation.Options.WithOutputKind(OutputKind.ConsoleApplication));
        Assert.DoesNotContain(compilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);

        var warnings = (await ShapeHarness.AnalyzeAsync(compilation)).Where(d => d.Id.StartsWith("TGPT1", StringComparison.Ordinal)).ToList();

        var warning = Assert.Single(warnings);
        Assert.Equal("TGPT101", warning.Id);
        Assert.Equal("matmul of [4, 8, 16] and [4, 8, 16]: the inner dimensions 16 and 8 differ; did you mean k.transpose(-2, -1)?", warning.GetMessage());
    }
}

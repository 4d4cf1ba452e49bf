using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using TinyGpt.Generators.ShapeAnalysis;

namespace TinyGpt.Generators.Tests.ShapeAnalysis;

/// <summary>Runs the shape analyzer (with internal failures surfacing) over sources compiled as GeneratorHarness compiles them.</summary>
internal static class ShapeHarness
{
    /// <summary>What every snippet may use: TorchSharp's names as the walkthrough writes them.</summary>
    public const string Usings = """
        using System;
        using System.Linq;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;
        using F = TorchSharp.torch.nn.functional;
        using TinyGpt;

        """;

    /// <summary>The shape warnings for <paramref name="source"/> (a file with <see cref="Usings"/> prepended).</summary>
    public static async Task<Diagnostic[]> WarningsAsync(string source)
    {
        var run = GeneratorHarness.Run(Usings + source);
        var compilerErrors = run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(compilerErrors.Count == 0, $"the snippet does not compile: {string.Join("; ", compilerErrors)}\n{source}");
        var all = await AnalyzeAsync(run.Output);
        return [.. all.Where(d => d.Id.StartsWith("TGPT1", StringComparison.Ordinal))];
    }

    /// <summary>Every analyzer diagnostic, failing on any internal error of the analyzer (AD0001).</summary>
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Compilation compilation)
    {
        var exceptions = new List<Exception>();
        var analyzers = compilation.WithAnalyzers(
            [new ShapeAnalyzer(rethrow: true)],
            new CompilationWithAnalyzersOptions(
                new AnalyzerOptions([]), onAnalyzerException: (e, _, _) => { lock (exceptions) exceptions.Add(e); },
                concurrentAnalysis: true, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: false));
        var diagnostics = await analyzers.GetAnalyzerDiagnosticsAsync();
        Assert.True(exceptions.Count == 0, $"the shape analyzer threw: {string.Join("\n", exceptions)}");
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        return diagnostics;
    }

    /// <summary>A method body wrapped in a class.</summary>
    public static string InMethod(string body) => $$"""
        public static class Snippet
        {
            public static void Run()
            {
        {{body}}
            }
        }
        """;
}

using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TinyGpt.Generators.Tests;

/// <summary>Compiles test sources against .NET 10, TorchSharp and TinyGpt.Runtime, with and without the generator.</summary>
internal static class GeneratorHarness
{
    /// <summary>C# latest, with XML documentation checked (so missing docs in generated code would show as CS1591).</summary>
    public static readonly CSharpParseOptions ParseOptions =
        new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(GptAttribute).Assembly.Location),
    ];

    /// <summary>A library compilation of <paramref name="sources"/> (file names Source0.cs, Source1.cs, …).</summary>
    public static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create(
            "Tests",
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Source{i}.cs")),
            References,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable)
                // As the .NET SDK does: TorchSharp targets net8.0, whose System.Runtime 8.0 unifies with 10.0.
                .WithSpecificDiagnosticOptions([
                    new("CS1701", ReportDiagnostic.Suppress),
                    new("CS1702", ReportDiagnostic.Suppress)]));

    /// <summary>A driver for the generator that records every tracked pipeline step.</summary>
    public static GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create(
            [new GptGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator on <paramref name="sources"/>.</summary>
    public static GeneratorRun Run(params string[] sources)
    {
        var input = Compile(sources);
        var driver = Driver().RunGeneratorsAndUpdateCompilation(input, out var output, out var generatorDiagnostics);
        return new GeneratorRun(input, output, driver.GetRunResult(), generatorDiagnostics);
    }

    /// <summary>The source generated for <paramref name="sources"/>, which must declare exactly one model.</summary>
    public static string GeneratedSource(params string[] sources)
    {
        var run = Run(sources);
        Assert.Empty(run.GeneratorDiagnostics);
        var generated = Assert.Single(Assert.Single(run.Result.Results).GeneratedSources);
        return generated.SourceText.ToString();
    }
}

/// <summary>One generator run: the compilation before and after, and what the generator reported.</summary>
internal sealed record GeneratorRun(
    Compilation Input,
    Compilation Output,
    GeneratorDriverRunResult Result,
    ImmutableArray<Diagnostic> GeneratorDiagnostics)
{
    /// <summary>Every diagnostic of the output compilation: the compiler's, the generator's and <see cref="GptAnalyzer"/>'s.</summary>
    public async Task<ImmutableArray<Diagnostic>> AllDiagnosticsAsync()
    {
        var analyzers = Output.WithAnalyzers(
            [new GptAnalyzer()],
            new CompilationWithAnalyzersOptions(
                new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: true,
                logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: false));
        var diagnostics = await analyzers.GetAllDiagnosticsAsync();
        return [.. GeneratorDiagnostics, .. diagnostics];
    }

    /// <summary>All diagnostics but hidden ones and the test sources' own missing XML docs (CS1591).</summary>
    public async Task<Diagnostic[]> VisibleDiagnosticsAsync() =>
        [.. (await AllDiagnosticsAsync()).Where(d =>
            d.Severity != DiagnosticSeverity.Hidden
            && !(d.Id == "CS1591" && Input.SyntaxTrees.Contains(d.Location.SourceTree)))];
}

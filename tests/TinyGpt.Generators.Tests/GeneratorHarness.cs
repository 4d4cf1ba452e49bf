using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TinyGpt.Generators.Tests;

/// <summary>
/// Compiles test sources against .NET 10, TorchSharp and TinyGpt.Runtime, with and without the generator.
/// Every run also checks the pipeline's caching: the driver runs a second time on a clone of the
/// compilation and every tracked step must be Cached or Unchanged, and no step output may hold a
/// symbol, syntax node, location or compilation (which would pin old compilations and defeat caching).
/// </summary>
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

    /// <summary>Runs the generator on <paramref name="sources"/>, and checks that a rerun hits the cache.</summary>
    public static GeneratorRun Run(params string[] sources)
    {
        var input = Compile(sources);
        var driver = Driver().RunGeneratorsAndUpdateCompilation(input, out var output, out var generatorDiagnostics);
        var result = driver.GetRunResult();
        foreach (var generator in result.Results)
            AssertNoCompilerObjects(generator);
        foreach (var generator in driver.RunGenerators(input.Clone()).GetRunResult().Results)
            AssertAllCached(generator, "a rerun on a clone of the compilation");
        return new GeneratorRun(input, output, result, generatorDiagnostics);
    }

    /// <summary>
    /// The generator's own step names (every constant of <see cref="TrackingNames"/>); Roslyn's internal
    /// steps, which hold syntax by design, are not the generator's to keep clean.
    /// </summary>
    public static readonly string[] StepNames =
        [.. typeof(TrackingNames).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!)];

    private static IEnumerable<(string Name, ImmutableArray<IncrementalGeneratorRunStep> Steps)> OwnSteps(GeneratorRunResult result) =>
        result.TrackedSteps.Where(kv => StepNames.Contains(kv.Key)).Select(kv => (kv.Key, kv.Value));

    /// <summary>Every output of every step the generator names in <paramref name="result"/> is Cached or Unchanged.</summary>
    public static void AssertAllCached(GeneratorRunResult result, string after)
    {
        foreach (var (name, steps) in OwnSteps(result))
            foreach (var step in steps)
                foreach (var (_, reason) in step.Outputs)
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                        $"after {after}: step {name} was {reason}");
    }

    /// <summary>Walks every tracked step output's object graph and fails on anything that pins a compilation.</summary>
    public static void AssertNoCompilerObjects(GeneratorRunResult result)
    {
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var (name, steps) in OwnSteps(result))
            foreach (var step in steps)
                foreach (var (value, _) in step.Outputs)
                    AssertNoCompilerObjects(value, $"{name} output", visited);
    }

    /// <summary>Fails, naming the path to it, on any symbol, syntax node, location or compilation in <paramref name="node"/>'s object graph.</summary>
    public static void AssertNoCompilerObjects(object? node, string path, HashSet<object> visited)
    {
        if (node is null || node is string || node.GetType().IsPrimitive || node.GetType().IsEnum || !visited.Add(node))
            return;
        Assert.False(node is ISymbol or SyntaxNode or Location or Compilation or SemanticModel or SyntaxTree,
            $"{path} holds a {node.GetType().Name}");
        if (node is IEnumerable items)
        {
            var i = 0;
            foreach (var item in items)
                AssertNoCompilerObjects(item, $"{path}[{i++}]", visited);
            return;
        }
        for (var type = node.GetType(); type is not null && type != typeof(object); type = type.BaseType)
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                AssertNoCompilerObjects(field.GetValue(node), $"{path}.{field.Name}", visited);
    }

    /// <summary>What snapshots show instead of the generator's assembly version, which changes with every release.</summary>
    public const string VersionPlaceholder = "{generator version}";

    private static readonly Regex GeneratedCodeVersion =
        new(@"(GeneratedCode\(""TinyGpt\.Generators"", "")([^""]*)(""\))", RegexOptions.Compiled);

    /// <summary>
    /// <paramref name="source"/> with the version of each <c>[GeneratedCode("TinyGpt.Generators", …)]</c>
    /// replaced by <see cref="VersionPlaceholder"/>, after checking that it is the generator's own version.
    /// </summary>
    public static string ScrubGeneratorVersion(string source)
    {
        var version = typeof(GptGenerator).Assembly.GetName().Version!.ToString();
        return GeneratedCodeVersion.Replace(source, match =>
        {
            Assert.Equal(version, match.Groups[2].Value);
            return match.Groups[1].Value + VersionPlaceholder + match.Groups[3].Value;
        });
    }

    /// <summary>
    /// The sources generated for <paramref name="sources"/>, which must declare exactly one model: its main
    /// source and its KV-cache source, or the fallback's one source when the attribute is invalid.
    /// </summary>
    public static ImmutableArray<GeneratedSourceResult> GeneratedSources(params string[] sources)
    {
        var run = Run(sources);
        Assert.Empty(run.GeneratorDiagnostics);
        var generated = Assert.Single(run.Result.Results).GeneratedSources;
        Assert.InRange(generated.Length, 1, 2);
        Assert.EndsWith(".Gpt.g.cs", generated[0].HintName);
        if (generated.Length == 2)
            Assert.EndsWith(".KvCache.g.cs", generated[1].HintName);
        return generated;
    }

    /// <summary>All the source generated for <paramref name="sources"/> (one model), its files one after the other.</summary>
    public static string GeneratedSource(params string[] sources) =>
        string.Join("\n", GeneratedSources(sources).Select(s => s.SourceText.ToString()));

    /// <summary>
    /// The lines of <paramref name="source"/> wider than <paramref name="width"/> columns, numbered. A line's width
    /// is its UTF-8 bytes, as <c>awk 'length &gt; 120'</c> counts in a C locale: stricter than characters (→, ≤ and ·
    /// count two or three), so a line that passes here passes every tool.
    /// </summary>
    public static string[] LongLines(string source, int width = 120) =>
        [.. source.Split('\n').Select((line, i) => (Line: line.TrimEnd('\r').TrimStart('\uFEFF'), Number: i + 1))
            .Select(l => (l.Line, l.Number, Width: System.Text.Encoding.UTF8.GetByteCount(l.Line)))
            .Where(l => l.Width > width).Select(l => $"{l.Number}: ({l.Width}) {l.Line}")];
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

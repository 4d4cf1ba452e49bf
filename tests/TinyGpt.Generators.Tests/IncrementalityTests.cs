using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace TinyGpt.Generators.Tests;

/// <summary>
/// The pipeline caches: a rerun, or an edit that touches no [Gpt] class, leaves every tracked step
/// Cached or Unchanged; and no step output holds a symbol, syntax node, location or compilation
/// (which would keep old compilations alive and defeat caching).
/// </summary>
public class IncrementalityTests
{
    private const string Models = """
        namespace Demo;

        [TinyGpt.Gpt(Layers = 4, Heads = 4, Embd = 128, BlockSize = 64)]
        public partial class BabyGpt;

        public partial class Outer
        {
            [TinyGpt.Gpt(Layers = 2, Heads = 2, Embd = 16, Bias = true, TieWeights = false)]
            internal partial class InnerGpt;
        }

        [TinyGpt.Gpt(Layers = 0, Heads = 4, Embd = 130)]
        public partial class InvalidGpt;
        """;

    private const string Other = """
        namespace Demo;
        public static class Helpers { public static int Twice(int x) => 2 * x; }
        """;

    private static readonly string[] StepNames =
        [.. typeof(TrackingNames).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!)];

    [Fact]
    public void Rerun_and_unrelated_edits_hit_the_cache()
    {
        var compilation = GeneratorHarness.Compile(Models, Other);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        Assert.Equal(3, first.GeneratedSources.Length); // two models and InvalidGpt's fallback
        Assert.All(StepNames, name => Assert.Contains(name, first.TrackedSteps.Keys));
        AssertNoCompilerObjects(first);

        driver = driver.RunGenerators(compilation.Clone());
        AssertAllCached(driver.GetRunResult().Results.Single(), "rerun on a clone");

        var added = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace Demo; public class Unrelated { }", GeneratorHarness.ParseOptions, path: "Unrelated.cs"));
        driver = driver.RunGenerators(added);
        AssertAllCached(driver.GetRunResult().Results.Single(), "new file");

        var otherTree = added.SyntaxTrees.Single(t => t.FilePath == "Source1.cs");
        var edited = added.ReplaceSyntaxTree(otherTree, otherTree.WithChangedText(
            otherTree.GetText().Replace(Other.IndexOf("2 * x"), "2 * x".Length, "x + x")));
        driver = driver.RunGenerators(edited);
        AssertAllCached(driver.GetRunResult().Results.Single(), "edit in another file");
    }

    [Fact]
    public void Changing_an_argument_regenerates_only_that_model()
    {
        var compilation = GeneratorHarness.Compile(Models, Other);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);

        var tree = compilation.SyntaxTrees.First();
        var changed = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(
            tree.GetText().Replace(Models.IndexOf("BlockSize = 64"), "BlockSize = 64".Length, "BlockSize = 32")));
        var result = driver.RunGenerators(changed).GetRunResult().Results.Single();

        var outputs = result.TrackedSteps[TrackingNames.ValidModels].SelectMany(step => step.Outputs).ToList();
        Assert.Single(outputs, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("public const int BlockSize = 32;", result.GeneratedSources.Single(s => s.HintName == "Demo.BabyGpt.Gpt.g.cs").SourceText.ToString());
    }

    [Fact]
    public void The_walk_finds_a_compiler_object_hidden_in_a_model()
    {
        var location = Location.Create("x.cs", default, default);
        var planted = new { Names = new[] { "a" }, Nested = new List<object> { 1, (Name: "b", Where: location) } };

        var error = Assert.ThrowsAny<Exception>(() => Visit(planted, "planted", new HashSet<object>(ReferenceEqualityComparer.Instance)));
        Assert.Contains("holds a", error.Message);
    }

    private static void AssertAllCached(GeneratorRunResult result, string after)
    {
        foreach (var name in StepNames)
            foreach (var step in result.TrackedSteps[name])
                foreach (var (_, reason) in step.Outputs)
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                        $"after {after}: step {name} was {reason}");
    }

    /// <summary>Walks every step output's object graph and fails on anything that pins a compilation.</summary>
    private static void AssertNoCompilerObjects(GeneratorRunResult result)
    {
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var name in StepNames)
            foreach (var step in result.TrackedSteps[name])
                foreach (var (value, _) in step.Outputs)
                    Visit(value, $"{name} output", visited);
    }

    private static void Visit(object? node, string path, HashSet<object> visited)
    {
        if (node is null || node is string || node.GetType().IsPrimitive || node.GetType().IsEnum || !visited.Add(node))
            return;
        Assert.False(node is ISymbol or SyntaxNode or Location or Compilation or SemanticModel or SyntaxTree,
            $"{path} holds a {node.GetType().Name}");
        if (node is IEnumerable items)
        {
            var i = 0;
            foreach (var item in items)
                Visit(item, $"{path}[{i++}]", visited);
            return;
        }
        for (var type = node.GetType(); type is not null && type != typeof(object); type = type.BaseType)
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                Visit(field.GetValue(node), $"{path}.{field.Name}", visited);
    }
}

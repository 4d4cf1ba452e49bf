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

    private static readonly string[] StepNames = GeneratorHarness.StepNames;

    [Fact]
    public void Rerun_and_unrelated_edits_hit_the_cache()
    {
        var compilation = GeneratorHarness.Compile(Models, Other);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        Assert.Equal(5, first.GeneratedSources.Length); // two models, two sources each, and InvalidGpt's fallback
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

    private static void AssertAllCached(GeneratorRunResult result, string after) => GeneratorHarness.AssertAllCached(result, after);

    private static void AssertNoCompilerObjects(GeneratorRunResult result) => GeneratorHarness.AssertNoCompilerObjects(result);

    private static void Visit(object? node, string path, HashSet<object> visited) => GeneratorHarness.AssertNoCompilerObjects(node, path, visited);
}

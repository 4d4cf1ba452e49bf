using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;

namespace TinyGpt.Generators.Tests;

/// <summary>
/// Random and extreme [Gpt] declarations (issue 4's property test). Whatever the input, the generator
/// and the analyzer never throw, and every error in the result is either a TGPT diagnostic or one the
/// C# compiler reports for the same source without the generator: the generator adds no error of its
/// own making, and whatever it emits compiles cleanly.
/// </summary>
public class FuzzTests
{
    private static readonly string[] Ints =
        ["0", "1", "2", "3", "4", "8", "16", "-1", "-7", "130", "int.MaxValue", "int.MinValue", "1 << 20", "1 << 29", "65", "256"];

    private static readonly string[] Doubles =
        ["0", "0.0", "0.1", "0.2", "0.5", "0.999", "1", "1.0", "-0.1", "double.NaN", "double.PositiveInfinity", "1e308", "2"];

    private static readonly string[] Names = ["Block", "Transformer", "forward", "@class", "Mlp", "Layers"];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Random_declarations_never_crash_or_cascade(int seed)
    {
        var random = new Random(seed);
        int models = 0, fallbacks = 0, rejections = 0;
        for (var i = 0; i < 40; i++)
        {
            var (generated, stoodIn, rejected) = await AssertSound(RandomSources(random, $"M{seed}_{i}_"));
            models += generated;
            fallbacks += stoodIn;
            rejections += rejected;
        }

        // The mix must exercise every side: models that compile, declarations that are rejected, and
        // among those the ones with invalid values only, whose fallbacks must compile too.
        Assert.InRange(models, 15, int.MaxValue);
        Assert.InRange(fallbacks, 1, int.MaxValue);
        Assert.InRange(rejections, 15, int.MaxValue);
    }

    /// <returns>How many models and fallbacks were generated and how many TGPT errors were reported.</returns>
    private static async Task<(int Models, int Fallbacks, int Rejected)> AssertSound(string[] sources)
    {
        var context = "sources:\n" + string.Join("\n----\n", sources);
        var run = GeneratorHarness.Run(sources);

        var result = Assert.Single(run.Result.Results);
        Assert.True(result.Exception is null, $"generator threw {result.Exception}\n{context}");
        Assert.True(run.GeneratorDiagnostics.IsEmpty, $"generator reported {string.Join("; ", run.GeneratorDiagnostics)}\n{context}");

        var baseline = run.Input.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(Key)
            .ToHashSet();
        var generatedTrees = result.GeneratedSources.Select(s => s.SyntaxTree).ToHashSet();
        var diagnostics = await run.AllDiagnosticsAsync();
        foreach (var diagnostic in diagnostics)
        {
            Assert.False(diagnostic.Id is "AD0001" or "CS8784" or "CS8785", $"{diagnostic}\n{context}");
            if (diagnostic.Id.StartsWith("TGPT", StringComparison.Ordinal))
                continue;
            if (diagnostic.Id == "CS1591" && !generatedTrees.Contains(diagnostic.Location.SourceTree!))
                continue; // the random sources carry no XML docs
            var inGenerated = generatedTrees.Contains(diagnostic.Location.SourceTree!);
            if (inGenerated && diagnostic.Severity >= DiagnosticSeverity.Warning)
                Assert.Fail($"generated code has {diagnostic}\n{context}\n{GeneratedText(result, diagnostic)}");
            if (diagnostic.Severity == DiagnosticSeverity.Error && !baseline.Contains(Key(diagnostic)))
                Assert.Fail($"the generator caused {diagnostic}\n{context}");
        }
        int Emitted(string step) => result.TrackedSteps.TryGetValue(step, out var steps) ? steps.Sum(s => s.Outputs.Length) : 0;
        return (Emitted(TrackingNames.ValidModels), Emitted(TrackingNames.NeededFallbacks),
            diagnostics.Count(d => d.Id.StartsWith("TGPT", StringComparison.Ordinal)));
    }

    private static string GeneratedText(GeneratorRunResult result, Diagnostic diagnostic) =>
        result.GeneratedSources.First(s => s.SyntaxTree == diagnostic.Location.SourceTree).SourceText.ToString();

    private static (string Id, string Path, int Start) Key(Diagnostic d) =>
        (d.Id, d.Location.SourceTree?.FilePath ?? "", d.Location.SourceSpan.Start);

    private static string[] RandomSources(Random random, string prefix)
    {
        T Pick<T>(T[] items) => items[random.Next(items.Length)];
        bool Chance(double p) => random.NextDouble() < p;

        var main = new StringBuilder();
        var extra = new List<string>();
        var style = random.Next(3); // 0 global, 1 file-scoped, 2 block
        var ns = $"Fuzz.N{random.Next(3)}";
        if (style == 1) main.AppendLine($"namespace {ns};");
        if (style == 2) main.AppendLine($"namespace {ns} {{");

        var count = random.Next(1, 4);
        for (var c = 0; c < count; c++)
        {
            // Half the declarations are sound by construction, so the generated side is exercised as much as the rejecting one.
            var sane = Chance(0.5);
            bool Odd(double p) => !sane && Chance(p);
            var name = Odd(0.1) ? Pick(Names) : $"{prefix}{c}";
            var attribute = sane ? SaneAttribute(random) : RandomAttribute(random);
            var containers = new List<string>();
            for (var depth = random.Next(0, 3) - 1; depth > 0 || (depth == 0 && Chance(0.4)); depth--)
            {
                var keyword = Pick(new[] { "class", "struct", "record", "record struct", "interface", "static class" });
                var partial = Odd(0.15) ? "" : "partial ";
                var outerGeneric = Chance(0.2) ? "<TOuter>" : "";
                containers.Add($"public {(keyword == "static class" ? "static " + partial + "class" : partial + keyword)} {name}Outer{containers.Count}{outerGeneric}");
            }
            var kind = sane ? "class" : Pick(new[] { "class", "class", "class", "record", "struct", "record struct", "interface" });
            var modifiers = new StringBuilder(Chance(0.5) ? "public " : "internal ");
            if (Odd(0.1)) modifiers.Append("static ");
            else if (Odd(0.05) && containers.Count == 0) modifiers.Clear().Append("file ");
            else if (Chance(0.05)) modifiers.Append("abstract ");
            else if (Chance(0.1)) modifiers.Append("sealed ");
            var partialKeyword = Odd(0.2) ? "" : "partial ";
            var generic = Odd(0.15) ? "<T>" : "";
            var baseList = (sane ? random.Next(4, 12) : random.Next(12)) switch
            {
                0 => " : System.Exception",
                1 => " : TinyGpt.LanguageModel",
                2 => " : System.IComparable",
                3 => " : Missing.Base",
                _ => "",
            };
            var secondAttribute = Odd(0.1) ? $"[{RandomAttribute(random)}]" : "";

            foreach (var container in containers)
                main.AppendLine(container + " {");
            main.AppendLine($"[{attribute}]{secondAttribute}");
            var body = Odd(0.15)
                ? random.Next(4) switch
                {
                    0 => "public int Layers => 1;",
                    1 => $"public {name}() {{ }}",
                    2 => "public class Block { }",
                    _ => "public object forward(object x) => x;",
                }
                : "";
            main.AppendLine($"{modifiers}{partialKeyword}{kind} {name}{generic}{baseList} {{ {body} }}");
            foreach (var _ in containers)
                main.AppendLine("}");

            // Another part of the same class in its own file, sometimes with its own [Gpt].
            if (containers.Count == 0 && partialKeyword != "" && Chance(0.2))
            {
                var head = style == 0 ? "" : $"namespace {ns};\n";
                var again = Chance(0.3) ? $"[{RandomAttribute(random)}]\n" : "";
                extra.Add($"{head}{again}{modifiers}partial {kind} {name}{generic} {{ }}");
            }
        }

        if (style == 2) main.AppendLine("}");
        return [main.ToString(), .. extra];
    }

    private static string SaneAttribute(Random random)
    {
        var heads = new[] { 1, 2, 4 }[random.Next(3)];
        var arguments = new List<string>
        {
            $"Layers = {random.Next(1, 4)}", $"Heads = {heads}", $"Embd = {heads * 8 * random.Next(1, 3)}",
            $"BlockSize = {random.Next(1, 33)}", $"VocabSize = {random.Next(2, 100)}",
            $"Dropout = {(random.Next(0, 10) / 10.0).ToString("0.0", CultureInfo.InvariantCulture)}", $"Bias = {(random.Next(2) == 0 ? "true" : "false")}",
            $"TieWeights = {(random.Next(2) == 0 ? "true" : "false")}",
        };
        var kept = arguments.Take(3).Concat(arguments.Skip(3).Where(_ => random.Next(2) == 0)).OrderBy(_ => random.Next());
        return $"TinyGpt.Gpt({string.Join(", ", kept)})";
    }

    private static string RandomAttribute(Random random)
    {
        bool Chance(double p) => random.NextDouble() < p;
        string Int() => Chance(0.7) ? new[] { "1", "2", "4", "8", "16", "64" }[random.Next(6)] : Ints[random.Next(Ints.Length)];

        var arguments = new List<string>();
        if (Chance(0.9)) arguments.Add($"Layers = {Int()}");
        if (Chance(0.9)) arguments.Add($"Heads = {Int()}");
        if (Chance(0.9)) arguments.Add($"Embd = {(Chance(0.6) ? "16" : Int())}");
        if (Chance(0.5)) arguments.Add($"BlockSize = {Int()}");
        if (Chance(0.5)) arguments.Add($"VocabSize = {Int()}");
        if (Chance(0.4)) arguments.Add($"Dropout = {Doubles[random.Next(Doubles.Length)]}");
        if (Chance(0.3)) arguments.Add($"Bias = {(Chance(0.5) ? "true" : "false")}");
        if (Chance(0.3)) arguments.Add($"TieWeights = {(Chance(0.5) ? "true" : "false")}");
        if (Chance(0.04)) arguments.Add("Layers = \"many\"");
        if (Chance(0.04)) arguments.Add("Heads = 2.5");
        if (Chance(0.03)) arguments.Add("Unknown = 1");
        if (Chance(0.03)) arguments.Insert(0, "7");
        arguments = [.. arguments.OrderBy(_ => random.Next())];
        return Chance(0.03) ? "TinyGpt.Gpt" : $"TinyGpt.Gpt({string.Join(", ", arguments)})";
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace TinyGpt.Generators.Tests;

/// <summary>
/// A [Gpt] class of sound shape whose values are invalid gets a stand-in that derives from
/// <c>TinyGpt.LanguageModel</c> and throws, so code that uses it compiles and the TGPT error is the only
/// one; a class of the wrong shape gets no source at all (a stand-in would not compile either).
/// </summary>
public class FallbackTests
{
    /// <summary>The errors in the values of the attribute, which get a fallback; every other TGPT error is the class's shape.</summary>
    internal static readonly string[] ValueErrors = ["TGPT001", "TGPT002", "TGPT003", "TGPT004", "TGPT005", "TGPT006", "TGPT016",
        "TGPT017", "TGPT018", "TGPT019", "TGPT020", "TGPT021", "TGPT022", "TGPT023"];

    public static TheoryData<string, string> InvalidValues => new()
    {
        { "Heads = 4, Embd = 128", "TGPT001" },
        { "Layers = 0, Heads = 4, Embd = 128", "TGPT002" },
        { "Layers = 4, Heads = 4, Embd = 128, VocabSize = 1", "TGPT003" },
        { "Layers = 4, Heads = 3, Embd = 128", "TGPT004" },
        { "Layers = 4, Heads = 4, Embd = 128, Dropout = 1", "TGPT005" },
        { "Layers = 1000000, Heads = 16, Embd = 1048576", "TGPT006" },
        { "Layers = 4, Heads = 4, Embd = 128, Precision = (Precision)7", "TGPT016" },
    };

    /// <summary>What a user writes with a model: construct it, run it, hand it to the trainer or sampler.</summary>
    private static string Use(string type) => $$"""
        public static class Use
        {
            public static TinyGpt.GptConfig Run(TorchSharp.torch.Tensor idx)
            {
                var m = new {{type}}(seed: 1);
                using var y = m.forward(idx);
                TinyGpt.LanguageModel lm = m;
                return lm.Config;
            }
        }
        """;

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public async Task Code_using_a_class_with_invalid_values_gets_only_the_TGPT_error(string arguments, string id)
    {
        var run = GeneratorHarness.Run($"using TinyGpt;\n[Gpt({arguments})] public partial class X;\n{Use("X")}");

        var diagnostic = Assert.Single(await run.VisibleDiagnosticsAsync());
        Assert.Equal(id, diagnostic.Id);
        var fallback = Assert.Single(run.Result.GeneratedTrees).ToString();
        var message = $"{id}: {diagnostic.GetMessage(CultureInfo.InvariantCulture)}";
        Assert.Contains("public X(long? seed = null) : base(\"X\", seed: 0) =>\n"
            + "        throw new global::System.InvalidOperationException(AttributeErrors);", fallback);
        Assert.Equal(message, AttributeErrors(run));
    }

    [Fact]
    public async Task A_nested_fallback_sits_in_its_namespace_and_containing_types()
    {
        var run = GeneratorHarness.Run($$"""
            namespace Demo.Nested
            {
                public partial struct Outer<T>
                {
                    [TinyGpt.Gpt(Layers = 2, Heads = 3, Embd = 16)]
                    internal partial class @event;
                }

                {{Use("Outer<int>.@event")}}
            }
            """);

        Assert.Equal(["TGPT004"], (await run.VisibleDiagnosticsAsync()).Select(d => d.Id));
        var generated = Assert.Single(Assert.Single(run.Result.Results).GeneratedSources);
        Assert.Equal("Demo.Nested.Outer`1+event.Gpt.g.cs", generated.HintName);
        Assert.Contains("partial struct Outer<T>\n{\n    /// <summary>", generated.SourceText.ToString());
    }

    [Fact]
    public async Task Every_value_error_is_in_the_message()
    {
        var run = GeneratorHarness.Run($"[TinyGpt.Gpt(Layers = 0, Heads = 4, Embd = 130, Dropout = 2)] public partial class X;\n{Use("X")}");

        var diagnostics = (await run.VisibleDiagnosticsAsync()).OrderBy(d => d.Id).ToArray();
        Assert.Equal(["TGPT002", "TGPT004", "TGPT005"], diagnostics.Select(d => d.Id));
        var fallback = Assert.Single(run.Result.GeneratedTrees).ToString();
        var messages = string.Join("\n", diagnostics.Select(d => $"{d.Id}: {d.GetMessage(CultureInfo.InvariantCulture)}"));
        Assert.Equal(messages, AttributeErrors(run));
        Assert.Equal(3, Regex.Matches(fallback, @"throw new global::System\.InvalidOperationException\(AttributeErrors\)").Count);
        Assert.Contains("Fix TGPT002, TGPT004 and TGPT005 and the generator writes the model", fallback);
    }

    [Theory]
    [InlineData("[Gpt] public class X;", "TGPT007")]
    [InlineData("[Gpt] public partial class X : System.Exception;", "TGPT009")]
    [InlineData("public class Outer { [Gpt] public partial class X; }", "TGPT010")]
    public async Task A_class_of_the_wrong_shape_gets_no_fallback_even_with_invalid_values(string declaration, string shapeError)
    {
        var run = GeneratorHarness.Run(declaration.Replace("[Gpt]", "[TinyGpt.Gpt(Layers = 0, Heads = 4, Embd = 128)]"));

        Assert.Equal(["TGPT002", shapeError], (await run.VisibleDiagnosticsAsync()).Select(d => d.Id).Order());
        Assert.Empty(run.Result.GeneratedTrees);
    }

    [Fact]
    public void The_constructor_throws_the_TGPT_message()
    {
        var run = GeneratorHarness.Run("[TinyGpt.Gpt(Layers = 4, Heads = 3, Embd = 128)] public partial class X;");
        using var image = new MemoryStream();
        Assert.True(run.Output.Emit(image).Success);

        var context = new System.Runtime.Loader.AssemblyLoadContext("fallback", isCollectible: true);
        try
        {
            var type = context.LoadFromStream(new MemoryStream(image.ToArray())).GetType("X")!;
            var error = Assert.Throws<System.Reflection.TargetInvocationException>(() => Activator.CreateInstance(type, [null]));
            var thrown = Assert.IsType<InvalidOperationException>(error.InnerException);
            Assert.StartsWith("TGPT004: Embd 128 is not divisible by Heads 3 (128 / 3 = 42.667)", thrown.Message);
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>The value of the stand-in <c>X</c>'s constant <c>AttributeErrors</c>, which every member throws with.</summary>
    private static string AttributeErrors(GeneratorRun run) =>
        (string)run.Output.GetTypeByMetadataName("X")!.GetMembers("AttributeErrors").OfType<IFieldSymbol>().Single().ConstantValue!;
}

using Microsoft.CodeAnalysis;

namespace TinyGpt.Generators.Tests;

/// <summary>Generated models compile with no diagnostic at all: no error, no warning, no missing XML doc.</summary>
public class GeneratedCodeCompilesTests
{
    public static TheoryData<string, string> Declarations => new()
    {
        { "file-scoped namespace", """
            namespace Demo;
            [TinyGpt.Gpt(Layers = 4, Heads = 4, Embd = 128, BlockSize = 64)]
            public partial class BabyGpt;
            """ },
        { "block namespace", """
            namespace Demo.Models
            {
                [TinyGpt.Gpt(Layers = 6, Heads = 6, Embd = 384, Dropout = 0.2)]
                internal sealed partial class ShakespeareGpt { }
            }
            """ },
        { "global namespace", """
            using TinyGpt;
            [Gpt(Layers = 1, Heads = 1, Embd = 8, BlockSize = 4, VocabSize = 2, Bias = true, TieWeights = false)]
            partial class TinyestGpt;
            """ },
        { "nested in partial types", """
            namespace Outer.Space;
            internal partial record Registry<TKey>(TKey Key)
            {
                internal static partial class Models
                {
                    public partial struct Holder
                    {
                        [TinyGpt.Gpt(Layers = 2, Heads = 2, Embd = 16, BlockSize = 8)]
                        public partial class Inner;
                    }
                }
            }
            """ },
        { "keyword names", """
            namespace @class.@event;
            internal partial interface @interface
            {
                [TinyGpt.Gpt(Layers = 2, Heads = 2, Embd = 16, BlockSize = 8)]
                public partial class @string;
            }
            """ },
        { "user members alongside", """
            namespace Demo;
            /// <summary>A documented model.</summary>
            [TinyGpt.Gpt(Layers = 2, Heads = 4, Embd = 32, BlockSize = 16, VocabSize = 100)]
            public partial class UserGpt : System.IDisposable
            {
                /// <summary>The name.</summary>
                public string Describe() => $"{nameof(UserGpt)} {ParameterCount}";
                /// <summary>An overload of forward is the user's to add.</summary>
                public TorchSharp.torch.Tensor forward(TorchSharp.torch.Tensor idx, int last) => forward(idx)[.., ^last..];
                /// <summary>So is a constructor with parameters.</summary>
                public UserGpt(bool checkShapes) : this() => CheckShapes = checkShapes;
                void System.IDisposable.Dispose() { }
            }
            """ },
        { "explicit LanguageModel base", """
            namespace Demo;
            [TinyGpt.Gpt(Layers = 2, Heads = 2, Embd = 16, BlockSize = 8)]
            public partial class ExplicitGpt : TinyGpt.LanguageModel;
            """ },
    };

    [Theory]
    [MemberData(nameof(Declarations))]
    public async Task Output_compiles_without_any_diagnostic(string description, string source)
    {
        var run = GeneratorHarness.Run(source);

        var generated = Assert.Single(run.Result.Results).GeneratedSources;
        Assert.Equal(2, generated.Length); // the model and its KV-cache path
        var diagnostics = (await run.AllDiagnosticsAsync())
            .Where(d => d.Severity != DiagnosticSeverity.Hidden)
            .Select(d => d.ToString());
        Assert.True(!diagnostics.Any(), $"{description}:\n{string.Join("\n", diagnostics)}");
    }
}

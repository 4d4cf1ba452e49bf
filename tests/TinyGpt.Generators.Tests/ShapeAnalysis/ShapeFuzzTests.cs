using System.Text;

namespace TinyGpt.Generators.Tests.ShapeAnalysis;

/// <summary>
/// Random TorchSharp code — sizes from 0 to int.MaxValue, dims out of range, every operation the analyzer
/// follows with random arguments, branches, loops, lambdas, goto, fields, deep nesting, and code that does
/// not compile — never makes the shape analyzer throw (failures surface: the harness runs it with rethrow).
/// </summary>
public class ShapeFuzzTests
{
    private static readonly string[] Sizes = ["0", "1", "2", "3", "4", "8", "16", "32", "-1", "-2", "int.MaxValue", "long.MaxValue", "1 << 30", "n", "B", "T", "C"];

    private static readonly string[] Dims = ["0", "1", "2", "3", "-1", "-2", "-3", "-4", "4", "7", "long.MinValue", "d"];

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    public async Task Random_tensor_code_never_crashes_the_analyzer(int seed)
    {
        var random = new Random(seed);
        var warnings = 0;
        for (var i = 0; i < 25; i++)
        {
            var source = ShapeHarness.Usings + RandomProgram(random);
            var compilation = GeneratorHarness.Run(source).Output;
            var diagnostics = await ShapeHarness.AnalyzeAsync(compilation);
            warnings += diagnostics.Count(d => d.Id.StartsWith("TGPT1", StringComparison.Ordinal));
        }
        // The mix must reach the checks, not only the paths that give up.
        Assert.InRange(warnings, 5, int.MaxValue);
    }

    [Fact]
    public async Task Deeply_nested_expressions_are_left_alone()
    {
        var deep = new StringBuilder("torch.randn(4, 8)");
        for (var i = 0; i < 400; i++)
            deep.Append(".relu()");
        var sums = string.Join(" + ", Enumerable.Repeat("torch.randn(2, 3)", 300));
        var source = ShapeHarness.Usings + ShapeHarness.InMethod($"var x = {deep}; var y = {sums}; var z = x.matmul(x);");
        var diagnostics = await ShapeHarness.AnalyzeAsync(GeneratorHarness.Run(source).Output);
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
    }

    private static string RandomProgram(Random random)
    {
        string Pick(string[] items) => items[random.Next(items.Length)];
        bool Chance(double p) => random.NextDouble() < p;
        var tensors = new List<string>();
        string Tensor() => tensors.Count == 0 || Chance(0.2) ? Creation() : tensors[random.Next(tensors.Count)];
        string SizeList(int max) => string.Join(", ", Enumerable.Range(0, random.Next(0, max + 1)).Select(_ => Pick(Sizes)));
        string Creation() => random.Next(9) switch
        {
            0 => $"torch.randn({SizeList(4)})",
            1 => $"torch.zeros(new long[] {{ {SizeList(5)} }}, dtype: {Pick(["ScalarType.Int64", "ScalarType.Float32", "torch.int64", "torch.@bool", "dt"])})",
            2 => $"torch.ones({SizeList(4)})",
            3 => $"torch.arange({Pick(Sizes)})",
            4 => $"torch.randint({Pick(Sizes)}, new long[] {{ {SizeList(3)} }})",
            5 => $"torch.tril(torch.ones({Pick(Sizes)}, {Pick(Sizes)}))",
            6 => $"torch.tensor(new float[] {{ 1, 2, 3 }})",
            7 => $"torch.full(new long[] {{ {SizeList(3)} }}, 1.5f)",
            _ => "x0",
        };
        string Operation(string t) => random.Next(26) switch
        {
            0 => $"{t}.view({SizeList(4)})",
            1 => $"{t}.reshape({SizeList(3)})",
            2 => $"{t}.transpose({Pick(Dims)}, {Pick(Dims)})",
            3 => $"{t}.permute({string.Join(", ", Enumerable.Range(0, random.Next(5)).Select(_ => Pick(Dims)))})",
            4 => $"{t}.unsqueeze({Pick(Dims)})",
            5 => $"{t}.squeeze({Pick(Dims)})",
            6 => $"{t}.flatten({Pick(Dims)}, {Pick(Dims)})",
            7 => $"{t}.matmul({Tensor()})",
            8 => $"{t}.mm({Tensor()})",
            9 => $"{t}.bmm({Tensor()})",
            10 => $"({t} {Pick(["+", "-", "*", "/", "==", "<"])} {Tensor()})",
            11 => $"{t}.softmax({Pick(Dims)})",
            12 => $"{t}.sum({Pick(Dims)}, keepdim: {Pick(["true", "false"])})",
            13 => $"torch.cat(new[] {{ {t}, {Tensor()} }}, {Pick(Dims)})",
            14 => $"torch.stack(new[] {{ {t}, {Tensor()} }}, {Pick(Dims)})",
            15 => $"{t}.masked_fill({Tensor()} == 0, 0f)",
            16 => $"{t}.narrow({Pick(Dims)}, {Pick(Sizes)}, {Pick(Sizes)})",
            17 => $"{t}[TensorIndex.Slice({Pick(Sizes)}, {Pick(Sizes)}), TensorIndex.Colon]",
            18 => $"F.cross_entropy({t}, {Tensor()})",
            19 => $"nn.Linear({Pick(Sizes)}, {Pick(Sizes)}).forward({t})",
            20 => $"nn.Embedding({Pick(Sizes)}, {Pick(Sizes)}).forward({t})",
            21 => $"nn.LayerNorm({Pick(Sizes)}).forward({t})",
            22 => $"{t}.max({Pick(Dims)}).values",
            23 => $"F.scaled_dot_product_attention({t}, {Tensor()}, {Tensor()})",
            24 => $"{t}.t()",
            _ => $"{t}[{Pick(Sizes)}]",
        };

        var body = new StringBuilder();
        body.AppendLine("long n = B * 2, d = -1; ScalarType dt = ScalarType.Float32; var x0 = torch.randn(B, T, C);");
        var open = 0;
        for (var s = 0; s < random.Next(4, 14); s++)
        {
            var name = $"t{s}";
            var expression = Operation(Tensor());
            if (Chance(0.3))
                expression = Operation($"({expression})");
            switch (random.Next(12))
            {
                case 0:
                    body.AppendLine($"if (n > {random.Next(5)}) {{");
                    open++;
                    break;
                case 1:
                    body.AppendLine($"for (var i{s} = 0; i{s} < 3; i{s}++) {{");
                    open++;
                    break;
                case 2 when open > 0:
                    body.AppendLine("}");
                    open--;
                    break;
                case 3:
                    body.AppendLine($"Func<Tensor> f{s} = () => {expression};");
                    continue;
                case 4 when tensors.Count > 0:
                    body.AppendLine($"{tensors[0]} = {expression};");
                    continue;
                case 5:
                    body.AppendLine($"label{s}: n++; if (n < 0) goto label{s};");
                    break;
                case 6:
                    body.AppendLine($"var ({name}a, {name}b) = {Tensor()}.max({Pick(Dims)});");
                    tensors.Add($"{name}a");
                    continue;
                case 7:
                    body.AppendLine($"{Tensor()}.{Pick(["unsqueeze_(0)", "t_()", "add_(1)", "squeeze_()"])};");
                    break;
                case 8:
                    body.AppendLine(Chance(0.5) ? "var broken = ;" : $"var {name}x = {expression}.nonexistent();");
                    break;
            }
            body.AppendLine($"var {name} = {expression};");
            tensors.Add(name);
        }
        for (; open > 0; open--)
            body.AppendLine("}");

        var fields = Chance(0.5)
            ? $"private readonly Linear proj = nn.Linear({Pick(Sizes)}, {Pick(Sizes)}); private Tensor buf = {Creation().Replace("x0", "torch.zeros(1)")};"
            : "";
        var use = fields.Length > 0 ? $"var p = proj.forward({Tensor()}); var q = buf + {Tensor()};" : "";
        return $$"""
            public sealed class Fuzz : nn.Module<Tensor, Tensor>
            {
                private const long B = 4, T = 8, C = 32;
                {{fields}}
                public Fuzz() : base("fuzz") { }
                public override Tensor forward(Tensor input)
                {
            {{body}}
            {{use}}
                    return input;
                }
            }
            """;
    }
}

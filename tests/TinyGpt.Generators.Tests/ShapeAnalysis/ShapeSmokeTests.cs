namespace TinyGpt.Generators.Tests.ShapeAnalysis;

public class ShapeSmokeTests
{
    [Theory]
    [InlineData("var q = torch.randn(4, 8, 16); var k = torch.randn(4, 8, 16); var w = q.matmul(k);")]
    [InlineData("var x = torch.randn(4, 8, 32); var y = x.view(4, 8, 4, 16);")]
    [InlineData("var w = torch.zeros(4, 8, 8); var tril = torch.tril(torch.ones(16, 16)); var m = w.masked_fill(tril == 0, float.NegativeInfinity);")]
    [InlineData("var lin = nn.Linear(32, 16); var y = lin.forward(torch.randn(4, 8, 16));")]
    [InlineData("const int B = 4, T = 8, C = 32; var x = torch.randn(B, T, C); var y = x.view(B, T, 4, 16);")]
    [InlineData("int B = 4, T = 8; var logits = torch.randn(B, T, 65); var targets = torch.zeros(B, T, dtype: ScalarType.Int64); var loss = F.cross_entropy(logits, targets);")]
    public async Task Prints(string body)
    {
        var warnings = await ShapeHarness.WarningsAsync(ShapeHarness.InMethod(body));
        foreach (var w in warnings)
            Console.WriteLine($"{w.Id}: {w.GetMessage()}");
        Assert.NotEmpty(warnings);
    }
}

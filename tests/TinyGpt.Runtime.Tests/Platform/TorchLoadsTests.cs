using TorchSharp;
using Xunit;

namespace TinyGpt.Runtime.Tests;

public class TorchLoadsTests
{
    [Fact]
    public void Libtorch_loads_and_multiplies()
    {
        using var a = torch.ones(2, 3);
        using var b = torch.ones(3, 4);
        using var c = a.matmul(b);
        Assert.Equal(new long[] { 2, 4 }, c.shape);
        Assert.Equal(3f, c[0, 0].item<float>());
    }
}

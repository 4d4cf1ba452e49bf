using Xunit;

namespace TinyGpt.Interop.Tests;

public sealed class PythonReferenceTests
{
    [Theory]
    [InlineData("/nonexistent/python3", "/nonexistent/python3 does not exist")]
    [InlineData("/bin/false", "`import torch` failed")]
    public void Without_PyTorch_the_parity_tests_fail_saying_how_to_install_it(string python, string problem)
    {
        var found = PythonReference.ProbeTorch(python);

        Assert.NotNull(found);
        Assert.StartsWith(problem, found);
        var error = Assert.Throws<InvalidOperationException>(() => PythonReference.RequireTorch(python, found));
        Assert.Contains("apt-get install python3-torch libopenblas0-openmp", error.Message);
    }

    [Fact]
    public void Debian_python_here_has_PyTorch() =>
        PythonReference.RequireTorch("/usr/bin/python3", PythonReference.ProbeTorch("/usr/bin/python3"));
}

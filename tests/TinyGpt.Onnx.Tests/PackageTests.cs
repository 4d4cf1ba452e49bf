using System.Text.Json.Nodes;
using Xunit;

namespace TinyGpt.Onnx.Tests;

/// <summary>The ONNX package must run where libtorch cannot: nothing in its dependency closure may be TorchSharp.</summary>
public sealed class PackageTests
{
    [Fact]
    public void The_packages_dependency_closure_has_no_TorchSharp()
    {
        var assets = Path.Combine(RepositoryRoot(), "src", "TinyGpt.Onnx", "obj", "project.assets.json");
        var root = JsonNode.Parse(File.ReadAllText(assets))!;
        var closure = root["targets"]!.AsObject().SelectMany(t => t.Value!.AsObject().Select(p => p.Key)).Distinct().ToList();

        Assert.Contains(closure, p => p.StartsWith("Microsoft.ML.OnnxRuntime/", StringComparison.Ordinal));
        Assert.DoesNotContain(closure, p => p.Contains("TorchSharp", StringComparison.OrdinalIgnoreCase) || p.StartsWith("TinyGpt/", StringComparison.Ordinal));
    }

    [Fact]
    public void The_package_assembly_references_no_TorchSharp_or_runtime_assembly()
    {
        var references = typeof(OnnxGpt).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("Microsoft.ML.OnnxRuntime", references);
        Assert.DoesNotContain(references, r => r.StartsWith("TorchSharp", StringComparison.Ordinal) || r == "TinyGpt.Runtime");
    }

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TinyGpt.sln")))
                return dir.FullName;
        throw new InvalidOperationException("TinyGpt.sln not found above " + AppContext.BaseDirectory);
    }
}

using System.Text.RegularExpressions;
using System.Xml.Linq;
using TinyGpt.Build;
using Xunit;
using Xunit.Abstractions;
using static TinyGpt.Packaging.Tests.TestEnvironment;

namespace TinyGpt.Packaging.Tests;

/// <summary>
/// Projects outside the repository that use the packed TinyGpt through a PackageReference, as a
/// user's would: restored from a temporary feed next to the machine's usual source, built and run
/// with `dotnet run`. Slow (each build puts libtorch, ~1.2 GB, into its output: hard-linked from the NuGet
/// cache, as a user with a small disk would ask, so that the runs fit on CI's disk).
/// </summary>
public sealed class ConsumerTests(PackedTinyGpt package, ITestOutputHelper log) : IClassFixture<PackedTinyGpt>
{
    [Fact]
    public void The_package_holds_runtime_generator_build_files_and_readme()
    {
        IReadOnlyList<string> entries = package.Entries();
        log.WriteLine(string.Join('\n', entries));

        Assert.Contains("lib/net10.0/TinyGpt.Runtime.dll", entries);
        Assert.Contains("lib/net10.0/TinyGpt.Runtime.xml", entries);
        Assert.Contains("analyzers/dotnet/cs/TinyGpt.Generators.dll", entries);
        Assert.Contains("README.md", entries);
        string[] buildFiles = ["TinyGpt.targets", "PatchLibTorchSharp.cs"];
        foreach (string folder in new[] { "build", "buildTransitive" })
        {
            // Exactly the two files: the targets compile PatchLibTorchSharp.cs from their own folder.
            Assert.Equal(buildFiles.Select(f => $"{folder}/{f}").Order(StringComparer.Ordinal),
                entries.Where(e => e.StartsWith(folder + "/", StringComparison.Ordinal)));
        }
        // The generator is an analyzer only; the runtime does not reference it.
        Assert.DoesNotContain("lib/net10.0/TinyGpt.Generators.dll", entries);

        XNamespace ns = XDocument.Parse(package.Nuspec()).Root!.Name.Namespace;
        XElement metadata = XDocument.Parse(package.Nuspec()).Root!.Element(ns + "metadata")!;
        Assert.Equal("TinyGpt", metadata.Element(ns + "id")!.Value);
        Assert.Equal(package.Version, metadata.Element(ns + "version")!.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
        var dependencies = metadata.Descendants(ns + "dependency").Select(d => (string)d.Attribute("id")!).ToList();
        // The torch backend, PyBridge for the nanoGPT weight formats (torch.save zip, safetensors), ScottPlot for plots,
        // OnnxSharp (onnx.proto's classes, on Google.Protobuf) for the ONNX export.
        Assert.Equal(["Google.Protobuf", "OnnxSharp", "ScottPlot", "TorchSharp-cpu", "TorchSharp.PyBridge"], dependencies.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_console_app_with_a_PackageReference_builds_and_runs()
    {
        using var consumer = new ConsumerFolder(package);
        consumer.Write("App/App.csproj", ConsumerFolder.Project("Exe", $"""<PackageReference Include="TinyGpt" Version="{package.Version}" />"""));
        consumer.Write("App/Program.cs", """
            using TinyGpt;
            using TorchSharp;

            using var x = torch.arange(6, dtype: torch.ScalarType.Float32).reshape(2, 3);
            using var gram = x.matmul(x.t());                                  // [[5, 14], [14, 50]]
            Console.WriteLine($"tensor [{string.Join(", ", gram.shape)}] sum {gram.sum().item<float>()}");

            using var model = new TinyModel();
            using var idx = torch.zeros(2, TinyModel.BlockSize, dtype: torch.int64);
            using var logits = model.forward(idx);
            Console.WriteLine($"TinyModel {TinyModel.ParameterCount} parameters, logits [{string.Join(", ", logits.shape)}]");

            // ScottPlot draws with SkiaSharp, whose native library must reach the consumer's output.
            LossPlot.Write("loss.png", [new EvaluationRecord(0, 4.2, 4.3, 1e-3, 0, 0), new EvaluationRecord(10, 3.1, 3.3, 1e-3, 900, 1)]);
            Console.WriteLine($"loss.png {new FileInfo("loss.png").Length > 1000}");

            [Gpt(Layers = 1, Heads = 1, Embd = 8, BlockSize = 4)]
            public partial class TinyModel;
            """);

        DotNet.Result run = consumer.Run("App");

        Assert.Contains("tensor [2, 2] sum 83", run.Output);
        // The generator ran in the consumer's build: wte 65·8 + wpe 4·8 + one block 784 + ln_f 8, lm_head tied.
        Assert.Contains("TinyModel 1344 parameters, logits [2, 4, 65]", run.Output);
        Assert.Contains("loss.png True", run.Output);
        // NuGet prefers buildTransitive/ over build/ when a package has both, for direct references too.
        string imports = File.ReadAllText(consumer.Combine("App", "obj", "App.csproj.nuget.g.targets"));
        Assert.Matches(new Regex(@"tinygpt[/\\][^/\\""]+[/\\]build(Transitive)?[/\\]TinyGpt\.targets", RegexOptions.IgnoreCase), imports);
        consumer.AssertBuiltLibraryPatched("App");
    }

    [Fact]
    public void A_console_app_that_gets_the_package_through_a_library_builds_and_runs()
    {
        using var consumer = new ConsumerFolder(package);
        consumer.Write("Lib/Lib.csproj", ConsumerFolder.Project("Library", $"""<PackageReference Include="TinyGpt" Version="{package.Version}" />"""));
        consumer.Write("Lib/LibModel.cs", """
            using TinyGpt;

            namespace Lib;

            [Gpt(Layers = 2, Heads = 2, Embd = 16, BlockSize = 8, VocabSize = 10)]
            public partial class LibModel;
            """);
        // The app itself has no PackageReference: TorchSharp's native files and TinyGpt's targets reach it
        // transitively, and it uses the model that the generator wrote into the library.
        consumer.Write("App/App.csproj", ConsumerFolder.Project("Exe", """<ProjectReference Include="../Lib/Lib.csproj" />"""));
        consumer.Write("App/Program.cs", """
            using TorchSharp;

            using var model = new Lib.LibModel();
            using var idx = torch.ones(3, 5, dtype: torch.int64);
            using var logits = model.forward(idx);
            Console.WriteLine($"LibModel logits [{string.Join(", ", logits.shape)}]");
            """);

        DotNet.Result run = consumer.Run("App");

        Assert.Contains("LibModel logits [3, 5, 10]", run.Output);
        string imports = File.ReadAllText(consumer.Combine("App", "obj", "App.csproj.nuget.g.targets"));
        Assert.Matches(new Regex(@"tinygpt[/\\][^/\\""]+[/\\]buildTransitive[/\\]TinyGpt\.targets", RegexOptions.IgnoreCase), imports);
        consumer.AssertBuiltLibraryPatched("App");
    }

    /// <summary>A consumer's folder under the temp folder, walled off from any Directory.*.props above it.</summary>
    sealed class ConsumerFolder : IDisposable
    {
        readonly TempFolder _temp = new("tinygpt-consumer-");
        readonly PackedTinyGpt _package;

        public ConsumerFolder(PackedTinyGpt package)
        {
            _package = package;
            Write("Directory.Build.props", "<Project />");
            Write("Directory.Build.targets", "<Project />");
            Write("Directory.Packages.props", "<Project />");
            // The temporary feed, added to the sources the machine already has (NuGet merges configs).
            Write("nuget.config", $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="tinygpt-under-test" value="{package.Feed}" />
                  </packageSources>
                </configuration>
                """);
        }

        public static string Project(string outputType, string reference) => $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>{outputType}</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                {reference}
              </ItemGroup>
            </Project>
            """;

        public string Combine(params string[] parts) => _temp.Combine(parts);

        public void Write(string relativePath, string text)
        {
            string path = _temp.Combine(relativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }

        public DotNet.Result Run(string project)
        {
            DotNet.Result run = DotNet.Run(_temp.Path, "run", "--project", project, "--disable-build-servers",
                "-p:CreateHardLinksForCopyLocalIfPossible=true");
            Assert.True(run.ExitCode == 0, $"dotnet run --project {project} failed with TinyGpt {_package.Version}: {run}");
            return run;
        }

        /// <summary>
        /// The app's copy of libLibTorchSharp.so (which a portable build carries on every system) is
        /// patched exactly where this system needs it: on Linux without the version, nowhere else.
        /// </summary>
        public void AssertBuiltLibraryPatched(string project)
        {
            string built = Combine(project, "bin", "Debug", "net10.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
            Assert.True(File.Exists(built), built);
            Assert.Equal(BuildPatchesHere, ElfVersionNeeds.IsWeak(built, NeededVersion));
            Assert.False(ElfVersionNeeds.IsWeak(CachedLibTorchSharp, NeededVersion));
        }

        public void Dispose() => _temp.Dispose();
    }
}

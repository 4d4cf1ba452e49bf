using System.Reflection;
using System.Runtime.InteropServices;

namespace TinyGpt.Packaging.Tests;

/// <summary>Facts the build wrote into this assembly, and paths derived from them.</summary>
static class TestEnvironment
{
    public const string NeededVersion = "GLIBCXX_3.4.32";

    public static string RepositoryRoot => Metadata("RepositoryRoot");

    public static string NuGetPackageRoot => Metadata("NuGetPackageRoot");

    /// <summary>The pristine library as NuGet extracted it; tests copy it and never write to it.</summary>
    public static string CachedLibTorchSharp => Path.Combine(
        NuGetPackageRoot, "torchsharp", Metadata("TorchSharpVersion"), "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    /// <summary>True where the build patches: Linux, with a system libstdc++ that lacks the version.</summary>
    public static bool BuildPatchesHere
    {
        get
        {
            if (!OperatingSystem.IsLinux()) return false;
            string? libstdcxx = TinyGpt.Build.SystemLibStdCxx.Find();
            return libstdcxx == null || !TinyGpt.Build.SystemLibStdCxx.Provides(libstdcxx, NeededVersion);
        }
    }

    public static bool IsLinuxX64 => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    static string Metadata(string key) =>
        typeof(TestEnvironment).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"assembly metadata {key} is empty");
}

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
sealed class TempFolder : IDisposable
{
    public TempFolder(string prefix)
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

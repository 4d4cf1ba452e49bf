using System.IO.Compression;
using Xunit;

namespace TinyGpt.Packaging.Tests;

/// <summary>
/// Packs src/TinyGpt.Runtime once for the consumer tests, as TinyGpt with a version no other run
/// uses, into a temporary feed. Build output goes to a temporary artifacts folder, so a `dotnet test`
/// of the solution running at the same time never shares an obj or bin folder with it.
/// </summary>
public sealed class PackedTinyGpt : IDisposable
{
    readonly TempFolder _temp = new("tinygpt-pack-");

    public PackedTinyGpt()
    {
        // Unique, so that the shared NuGet cache can never hand a consumer a TinyGpt from another run.
        Version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.r{Guid.NewGuid().ToString("N")[..8]}";
        Feed = _temp.Combine("feed");
        string project = Path.Combine(TestEnvironment.RepositoryRoot, "src", "TinyGpt.Runtime", "TinyGpt.Runtime.csproj");
        PackResult = DotNet.Run(_temp.Path, "pack", project, "-c", "Release", "-o", Feed,
            "--artifacts-path", _temp.Combine("artifacts"), $"-p:Version={Version}", "--disable-build-servers");
        Assert.True(PackResult.ExitCode == 0, $"dotnet pack failed: {PackResult}");
        Package = Path.Combine(Feed, $"TinyGpt.{Version}.nupkg");
        Assert.True(File.Exists(Package), $"no {Package} after dotnet pack:\n{PackResult}");
    }

    public string Version { get; }

    public string Feed { get; }

    public string Package { get; }

    internal DotNet.Result PackResult { get; }

    public IReadOnlyList<string> Entries()
    {
        using ZipArchive zip = ZipFile.OpenRead(Package);
        return zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal).ToList();
    }

    public string Nuspec()
    {
        using ZipArchive zip = ZipFile.OpenRead(Package);
        using var reader = new StreamReader(zip.GetEntry("TinyGpt.nuspec")!.Open());
        return reader.ReadToEnd();
    }

    public void Dispose()
    {
        _temp.Dispose();
        // The consumers' restores extracted this one-off version into the shared cache; it is never used again.
        string extracted = Path.Combine(TestEnvironment.NuGetPackageRoot, "tinygpt", Version.ToLowerInvariant());
        try
        {
            if (Directory.Exists(extracted)) Directory.Delete(extracted, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

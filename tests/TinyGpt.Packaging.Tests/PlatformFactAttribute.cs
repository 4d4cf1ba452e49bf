using System.Runtime.InteropServices;
using Xunit;

namespace TinyGpt.Packaging.Tests;

/// <summary>What a test needs from the machine it runs on.</summary>
public enum Needs
{
    /// <summary>Linux (any architecture): the patch's glibc/libstdc++ world.</summary>
    Linux,

    /// <summary>Linux on x64: the only Linux runtime TorchSharp-cpu ships a libLibTorchSharp.so for.</summary>
    LinuxX64,

    /// <summary>A Unix file system: hard links, file modes.</summary>
    Unix,

    /// <summary>binutils' <c>readelf</c> on the PATH, to check our ELF reading against.</summary>
    Readelf,
}

/// <summary>
/// A fact that xunit reports as skipped, with the reason, where the machine lacks what it needs;
/// decided at discovery (xunit 2.9 has no skip at run time), so a test never passes without running.
/// </summary>
public sealed class PlatformFactAttribute : FactAttribute
{
    public PlatformFactAttribute(Needs needs)
    {
        Needs = needs;
        if (Missing(needs) is { } reason) Skip = reason;
    }

    /// <summary>What the test needs.</summary>
    public Needs Needs { get; }

    static string? Missing(Needs needs) => needs switch
    {
        Needs.Linux when !OperatingSystem.IsLinux() => "needs Linux",
        Needs.LinuxX64 when !(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64) => "needs Linux on x64",
        Needs.Unix when OperatingSystem.IsWindows() => "needs a Unix file system (hard links)",
        Needs.Readelf when !OnPath("readelf") => "needs binutils' readelf on the PATH (apt-get install binutils)",
        _ => null,
    };

    static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Any(folder => File.Exists(Path.Combine(folder, program)) || File.Exists(Path.Combine(folder, program + ".exe")));
}

using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TinyGpt.Build;
using TorchSharp;
using Xunit;
using static TinyGpt.Packaging.Tests.TestEnvironment;

namespace TinyGpt.Packaging.Tests;

/// <summary>The ELF editing of PatchLibTorchSharp.cs, on copies of TorchSharp's real libLibTorchSharp.so.</summary>
public sealed class ElfPatchTests : IDisposable
{
    readonly TempFolder _temp = new("tinygpt-elf-");
    readonly byte[] _pristine;
    readonly string _pristineHash;

    public ElfPatchTests()
    {
        Assert.True(File.Exists(CachedLibTorchSharp), $"TorchSharp's library is not in the NuGet cache: {CachedLibTorchSharp}");
        _pristine = File.ReadAllBytes(CachedLibTorchSharp);
        _pristineHash = Convert.ToHexString(SHA256.HashData(_pristine));
    }

    public void Dispose()
    {
        // Whatever a test did, the NuGet cache's copy must be the one NuGet extracted.
        Assert.Equal(_pristineHash, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(CachedLibTorchSharp))));
        _temp.Dispose();
    }

    string CopyOfPristine(string name = "libLibTorchSharp.so")
    {
        string path = _temp.Combine(name);
        File.Copy(CachedLibTorchSharp, path);
        return path;
    }

    [Fact]
    public void Pristine_library_needs_the_version_and_not_weakly()
    {
        Assert.False(ElfVersionNeeds.IsWeak(CachedLibTorchSharp, NeededVersion));
        // Patched (not NotNeeded, not AlreadyWeak) on a copy proves the need is there and strong.
        Assert.Equal(PatchOutcome.Patched, ElfVersionNeeds.MakeWeak(CopyOfPristine(), NeededVersion));
    }

    [Fact]
    public void MakeWeak_patches_once_then_reports_already_weak()
    {
        string path = CopyOfPristine();

        Assert.Equal(PatchOutcome.Patched, ElfVersionNeeds.MakeWeak(path, NeededVersion));
        Assert.True(ElfVersionNeeds.IsWeak(path, NeededVersion));
        byte[] once = File.ReadAllBytes(path);

        Assert.Equal(PatchOutcome.AlreadyWeak, ElfVersionNeeds.MakeWeak(path, NeededVersion));
        Assert.Equal(once, File.ReadAllBytes(path));
        Assert.Equal(["libLibTorchSharp.so"], Directory.GetFiles(_temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void MakeWeak_changes_only_the_flags_of_that_one_need()
    {
        string path = CopyOfPristine();
        ElfVersionNeeds.MakeWeak(path, NeededVersion);
        byte[] patched = File.ReadAllBytes(path);

        Assert.Equal(_pristine.Length, patched.Length);
        int[] changed = Enumerable.Range(0, patched.Length).Where(i => patched[i] != _pristine[i]).ToArray();
        Assert.NotEmpty(changed);
        int flags = changed[0];
        // Every changed byte lies in one little-endian u16 (vna_flags), which gained VER_FLG_WEAK (0x2) and nothing else.
        Assert.All(changed, i => Assert.InRange(i, flags, flags + 1));
        ushort before = BitConverter.ToUInt16(_pristine, flags), after = BitConverter.ToUInt16(patched, flags);
        Assert.Equal(before | 0x2, after);
        Assert.Equal(0, before & 0x2);
    }

    [PlatformFact(Needs.Readelf)]
    public void Binutils_reads_the_patch_as_we_do_that_need_weak_and_every_other_as_before()
    {
        string path = CopyOfPristine();
        Assert.Equal("none", ReadelfFlags(CachedLibTorchSharp, NeededVersion));

        ElfVersionNeeds.MakeWeak(path, NeededVersion);

        Assert.Equal("WEAK", ReadelfFlags(path, NeededVersion));
        Assert.Equal(ReadelfFlags(CachedLibTorchSharp, "GLIBCXX_3.4.30"), ReadelfFlags(path, "GLIBCXX_3.4.30"));
    }

    [Fact]
    public void MakeWeak_keeps_the_timestamp_and_the_permissions()
    {
        string path = CopyOfPristine();
        var written = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, written);
        UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead;
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);

        ElfVersionNeeds.MakeWeak(path, NeededVersion);

        // The same size and time let the next incremental build skip copying the library again.
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        if (!OperatingSystem.IsWindows()) Assert.Equal(mode, File.GetUnixFileMode(path));
    }

    [PlatformFact(Needs.Unix)] // link(2) below; File.Replace on Windows keeps the old file's identity.
    public void MakeWeak_writes_a_new_file_so_a_hard_link_keeps_the_old_bytes()
    {
        string original = CopyOfPristine("original.so");
        string linked = _temp.Combine("libLibTorchSharp.so");
        Assert.Equal(0, link(original, linked));

        Assert.Equal(PatchOutcome.Patched, ElfVersionNeeds.MakeWeak(linked, NeededVersion));

        // Had the patch written through the link, the build would have edited the NuGet cache
        // wherever the output copy is a hard link to it.
        Assert.True(ElfVersionNeeds.IsWeak(linked, NeededVersion));
        Assert.False(ElfVersionNeeds.IsWeak(original, NeededVersion));
        Assert.Equal(_pristine, File.ReadAllBytes(original));
    }

    [Fact]
    public void A_version_the_library_does_not_need_is_left_alone()
    {
        string path = CopyOfPristine();
        Assert.Equal(PatchOutcome.NotNeeded, ElfVersionNeeds.MakeWeak(path, "GLIBCXX_9.9.99"));
        Assert.False(ElfVersionNeeds.IsWeak(path, "GLIBCXX_9.9.99"));
        Assert.Equal(_pristine, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_file_that_is_not_elf_is_refused()
    {
        string text = _temp.Combine("libLibTorchSharp.so");
        File.WriteAllText(text, "not a shared library, but long enough to hold an ELF header: ................");
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.MakeWeak(text, NeededVersion));
        Assert.Contains("not an ELF file", e.Message);

        // A 32-bit ELF file: the magic is right but the layout is not the one the patch reads.
        byte[] elf32 = _pristine[..64];
        elf32[4] = 1;
        string path = _temp.Combine("elf32.so");
        File.WriteAllBytes(path, elf32);
        Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.MakeWeak(path, NeededVersion));
    }

    [PlatformFact(Needs.Linux)]
    public void The_system_libstdcxx_is_found_and_read()
    {
        string? libstdcxx = SystemLibStdCxx.Find();
        Assert.NotNull(libstdcxx);
        Assert.True(SystemLibStdCxx.Provides(libstdcxx, "GLIBCXX_3.4"));
        Assert.False(SystemLibStdCxx.Provides(libstdcxx, "GLIBCXX_9.9.99"));
    }

    [PlatformFact(Needs.LinuxX64)] // The targets patch only on Linux; the cache path above is linux-x64's.
    public void The_build_patched_this_test_output_and_torch_loads()
    {
        string built = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(built), built);

        // Weak exactly where this libstdc++ lacks the version: that proves TinyGpt.targets ran on this project.
        Assert.Equal(BuildPatchesHere, ElfVersionNeeds.IsWeak(built, NeededVersion));
        Assert.Equal(File.GetLastWriteTimeUtc(CachedLibTorchSharp), File.GetLastWriteTimeUtc(built));

        using var ones = torch.ones(2, 3);
        Assert.Equal(6f, ones.sum().item<float>());
    }

    /// <summary>The Flags column that <c>readelf -V</c> prints for a version need.</summary>
    static string ReadelfFlags(string path, string version)
    {
        var start = new ProcessStartInfo("readelf", ["-V", "-W", path]) { RedirectStandardOutput = true, UseShellExecute = false };
        using (var readelf = Process.Start(start) ?? throw new InvalidOperationException("readelf did not start"))
        {
            string output = readelf.StandardOutput.ReadToEnd();
            readelf.WaitForExit();
            Assert.Equal(0, readelf.ExitCode);
            // e.g. "  0x0140:   Name: GLIBCXX_3.4.32  Flags: WEAK  Version: 18"
            var line = output.Split('\n').Single(l => l.Contains($"Name: {version} "));
            return line[(line.IndexOf("Flags: ", StringComparison.Ordinal) + 7)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        }
    }

    [DllImport("libc", SetLastError = true)]
    static extern int link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string created);
}

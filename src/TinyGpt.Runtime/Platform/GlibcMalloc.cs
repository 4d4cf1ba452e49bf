using System.Runtime.InteropServices;

namespace TinyGpt;

/// <summary>
/// Keeps glibc from returning each training step's freed tensors to the OS only to fault them in
/// again on the next step. By default glibc serves large blocks with fresh mmaps and trims the
/// heap top eagerly, so a large step spends much of its time in page faults (bench/RESULTS.md has
/// the figures). Raising the mmap threshold to 32 MiB and the trim threshold to 1 GiB keeps that memory mapped
/// (resident memory stays flat at the step's peak). The price is fragmentation: free blocks stay
/// between the live ones, so <see cref="Trim"/> hands their pages back at moments that are rare
/// anyway (after each evaluation). Does nothing off glibc.
/// </summary>
public static class GlibcMalloc
{
    private const int TrimThreshold = -1;   // M_TRIM_THRESHOLD
    private const int MmapThreshold = -3;   // M_MMAP_THRESHOLD

    private static int _tuned;

    /// <summary>Set <c>TINYGPT_MALLOC_TUNING=0</c> to leave glibc's defaults alone.</summary>
    public const string OptOutVariable = "TINYGPT_MALLOC_TUNING";

    /// <summary>Applies the thresholds once per process; returns whether glibc accepted them.</summary>
    public static bool Tune() => OnGlibc(() =>
        Interlocked.Exchange(ref _tuned, 1) == 1 ||
        (mallopt(MmapThreshold, 32 << 20) == 1 && mallopt(TrimThreshold, 1 << 30) == 1));

    /// <summary>
    /// Returns the free pages inside glibc's heaps to the OS (<c>malloc_trim(0)</c>): the next step faults
    /// back in what it needs, a few milliseconds once per evaluation. Returns whether anything was released.
    /// </summary>
    public static bool Trim() => OnGlibc(() => malloc_trim(0) == 1);

    /// <summary>Runs <paramref name="call"/> on Linux unless opted out; false where the C library has no such call (musl).</summary>
    private static bool OnGlibc(Func<bool> call)
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(OptOutVariable) == "0")
            return false;
        try
        {
            return call();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}

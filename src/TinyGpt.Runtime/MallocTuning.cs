using System.Runtime.InteropServices;

namespace TinyGpt;

/// <summary>
/// Keeps glibc from handing a training step's freed memory back to the kernel only to fault it in again
/// on the next step. libtorch frees and reallocates the same large activation buffers every step; by
/// default glibc serves blocks above its (adaptive) mmap threshold with fresh <c>mmap</c>s and trims the
/// heap top when more than its trim threshold is free, so each step pays page faults for the same memory.
/// Raising both thresholds lets the heap keep and reuse those pages.
/// </summary>
/// <remarks>
/// Call <see cref="Apply"/> once at startup, before training. It changes process-wide allocator settings,
/// so a library never calls it on its own; applications and benchmarks opt in. Setting
/// <c>GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824</c> in
/// the environment before the process starts has the same effect. Peak memory is unchanged (the same
/// blocks are live at the peak); between steps the process keeps its peak resident instead of returning it.
/// </remarks>
public static class MallocTuning
{
    private const int TrimThresholdParameter = -1;   // M_TRIM_THRESHOLD in glibc's malloc.h
    private const int MmapThresholdParameter = -3;   // M_MMAP_THRESHOLD

    /// <summary>The mmap threshold <see cref="Apply"/> sets by default: 32 MiB, glibc's largest on 64-bit systems.</summary>
    public const int DefaultMmapThreshold = 32 << 20;

    /// <summary>The trim threshold <see cref="Apply"/> sets by default: 1 GiB.</summary>
    public const int DefaultTrimThreshold = 1 << 30;

    /// <summary>
    /// Sets glibc's mmap and trim thresholds (<c>mallopt</c>). Returns false, changing nothing, where the C
    /// library is not glibc (Windows, macOS, musl) or refuses a value.
    /// </summary>
    public static bool Apply(int mmapThreshold = DefaultMmapThreshold, int trimThreshold = DefaultTrimThreshold)
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            // glibc answers 1 on success; musl's mallopt is a stub answering 0.
            return mallopt(MmapThresholdParameter, mmapThreshold) == 1
                && mallopt(TrimThresholdParameter, trimThreshold) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);
}

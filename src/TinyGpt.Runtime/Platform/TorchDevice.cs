using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>Chooses where tensors live and how many CPU threads libtorch uses.</summary>
public static class TorchDevice
{
    /// <summary>
    /// <c>auto</c> (CUDA when libtorch reports it, else CPU), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.
    /// Asking for CUDA where there is none is a <see cref="TinyGptException"/> saying what is available.
    /// </summary>
    public static Device Resolve(string? name)
    {
        var requested = (name ?? "auto").Trim().ToLowerInvariant();
        switch (requested)
        {
            case "" or "auto":
                return CudaAvailable() ? CUDA : CPU;
            case "cpu":
                return CPU;
            case "cuda" or "gpu" when CudaAvailable():
                return CUDA;
        }
        if (requested.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!CudaAvailable())
                throw new TinyGptException(
                    $"--device {name}: CUDA is not available here ({Available()}). Use --device cpu, or build with " +
                    "-p:TinyGptTorchBackend=cuda-linux (or cuda-windows) on a machine with an NVIDIA GPU.");
            if (requested.Length > 5 && requested[4] == ':' && int.TryParse(requested[5..], out var index) && index >= 0)
            {
                var count = cuda.device_count();
                if (index >= count)
                    throw new TinyGptException($"--device {name}: there are {count} CUDA devices (cuda:0 .. cuda:{count - 1}).");
                return new Device(DeviceType.CUDA, index);
            }
        }
        throw new TinyGptException($"--device {name} is not a device; use auto, cpu or cuda ({Available()}).");
    }

    /// <summary>True when libtorch can use a CUDA GPU.</summary>
    public static bool CudaAvailable()
    {
        try { return cuda.is_available(); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException) { return false; }
    }

    /// <summary>What this machine offers, e.g. <c>available: cpu</c> or <c>available: cpu, cuda (2 devices)</c>.</summary>
    public static string Available() =>
        CudaAvailable() ? $"available: cpu, cuda ({cuda.device_count()} device(s))" : "available: cpu only";

    /// <summary>Sets libtorch's intra-op CPU threads; null or 0 leaves libtorch's default (one per core).</summary>
    public static void SetThreads(int? threads)
    {
        if (threads is null or 0) return;
        if (threads < 0)
            throw new TinyGptException($"--threads must be 1 or more (got {threads}).");
        set_num_threads(threads.Value);
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>Chooses where tensors live and how many CPU threads libtorch uses.</summary>
public static class TorchDevice
{
    /// <summary>The argument <see cref="Resolve"/> names in its errors unless told which option the name came from.</summary>
    public const string ResolveArgument = "TorchDevice.Resolve(name)";

    /// <summary>
    /// <c>auto</c> (CUDA when libtorch reports it, else CPU), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.
    /// Asking for CUDA where there is none is a <see cref="TinyGptException"/> saying what is available;
    /// it names <paramref name="option"/>, the setting the name came from (e.g. <c>TrainingOptions.Device</c>).
    /// </summary>
    public static Device Resolve(string? name, string option = ResolveArgument)
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
        var given = $"{option} = \"{name}\"";
        if (requested.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!CudaAvailable())
                throw TinyGptException.About(option, $"{given}: CUDA is not available here ({Available()}).",
                    $"Use {option} = \"cpu\", or build with -p:TinyGptTorchBackend=cuda-linux (or cuda-windows) on a machine with an NVIDIA GPU.");
            if (requested.Length > 5 && requested[4] == ':' && int.TryParse(requested[5..], out var index) && index >= 0)
            {
                var count = cuda.device_count();
                if (index >= count)
                    throw TinyGptException.About(option, $"{given}: there are {count} CUDA devices (cuda:0 .. cuda:{count - 1}).");
                return new Device(DeviceType.CUDA, index);
            }
        }
        throw TinyGptException.About(option, $"{given} is not a device;", $"use auto, cpu or cuda ({Available()}).");
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

    /// <summary>The argument <see cref="SetThreads"/> names in its errors.</summary>
    public const string ThreadsArgument = "TorchDevice.SetThreads(threads)";

    /// <summary>Sets libtorch's intra-op CPU threads; null or 0 leaves libtorch's default (one per core).</summary>
    public static void SetThreads(int? threads)
    {
        if (threads is null or 0) return;
        if (threads < 0)
            throw TinyGptException.About(ThreadsArgument, $"{ThreadsArgument} must be 1 or more (got {threads});",
                "pass null or 0 for libtorch's default.");
        set_num_threads(threads.Value);
    }
}

/// <summary>
/// What each way of running a model needs on disk for linux-x64: the managed assemblies and native libraries of
/// its packages, read from the NuGet cache (the packages restored for this build), not estimated.
/// </summary>
static class Sizes
{
    static readonly string Packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    public static void Print()
    {
        var onnx = new (string, long)[]
        {
            ("TinyGpt.Onnx.dll", new FileInfo(typeof(TinyGpt.Onnx.OnnxGpt).Assembly.Location).Length),
            ("Microsoft.ML.OnnxRuntime (managed)", new FileInfo(typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.Location).Length),
            ("Microsoft.Extensions.AI.Abstractions", new FileInfo(typeof(Microsoft.Extensions.AI.IChatClient).Assembly.Location).Length),
            ("ONNX Runtime native, linux-x64", Folder("microsoft.ml.onnxruntime", "runtimes/linux-x64/native")),
        };
        var torch = new (string, long)[]
        {
            ("TinyGpt.Runtime.dll", new FileInfo(typeof(TinyGpt.LanguageModel).Assembly.Location).Length),
            ("TorchSharp (managed)", new FileInfo(typeof(TorchSharp.torch).Assembly.Location).Length),
            ("LibTorchSharp native, linux-x64", Folder("torchsharp", "runtimes/linux-x64/native")),
            ("libtorch native, linux-x64", Folder("libtorch-cpu-linux-x64", "runtimes/linux-x64/native")),
        };
        long onnxTotal = onnx.Sum(p => p.Item2), torchTotal = torch.Sum(p => p.Item2);
        Console.WriteLine("| on disk, linux-x64 | ONNX path | TorchSharp path |");
        Console.WriteLine("|---|---|---|");
        for (var i = 0; i < Math.Max(onnx.Length, torch.Length); i++)
            Console.WriteLine($"| | {Cell(onnx, i)} | {Cell(torch, i)} |");
        Console.WriteLine($"| **total** | **{Mb(onnxTotal)}** | **{Mb(torchTotal)}** ({torchTotal / (double)onnxTotal:0.0}× the ONNX path) |");
        Console.WriteLine();
        Console.WriteLine("(TorchSharp-cpu restores libtorch for Linux, Windows and macOS, about 1.2 GB in the NuGet cache; the table counts linux-x64 alone.)");
    }

    static string Cell((string Name, long Bytes)[] parts, int i) => i < parts.Length ? $"{parts[i].Name}: {Mb(parts[i].Bytes)}" : "";

    static string Mb(long bytes) => $"{bytes / 1e6:N1} MB";

    /// <summary>The bytes under <paramref name="relative"/> of the newest restored version of <paramref name="package"/>.</summary>
    static long Folder(string package, string relative)
    {
        var versions = Path.Combine(Packages, package);
        var newest = Directory.GetDirectories(versions).OrderBy(d => Version.TryParse(Path.GetFileName(d), out var v) ? v : new Version()).Last();
        var folder = Path.Combine(newest, relative);
        return Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
    }
}

using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TinyGpt.Bench;

/// <summary>Runs bench/pytorch_train.py with Debian's python3-torch; installs nothing.</summary>
internal sealed class PyTorch(string script, int threads)
{
    public const string Python = "/usr/bin/python3";

    /// <summary>Null when PyTorch can run here, else what to install.</summary>
    public static string? Missing()
    {
        if (!File.Exists(Python))
            return "python3 is missing: apt-get install python3-torch libopenblas0-openmp";
        var (code, _, _) = Run(Python, ["-c", "import torch"], threads: 1);
        return code == 0 ? null : "PyTorch is missing: apt-get install python3-torch libopenblas0-openmp (Debian's torch uses the ~30x slower reference BLAS without libopenblas0-openmp)";
    }

    /// <summary>
    /// The OpenBLAS kernel to ask for, or null to leave OpenBLAS's own choice. Debian 12's OpenBLAS 0.3.21 does
    /// not know newer CPUs (a Sapphire Rapids VM, family 6 model 207, measured here) and falls back to its
    /// generic "Prescott" kernels: 15 GFLOP/s for a 2048³ matmul on one thread where SkylakeX's give 79, which
    /// would make PyTorch look 4× slower than it is. Then the AVX-512 (SkylakeX) or AVX2 (Haswell) kernels the
    /// CPU can run are set through OPENBLAS_CORETYPE.
    /// </summary>
    public static readonly string? OpenBlasCoreType = ChooseCoreType();

    private static string? ChooseCoreType()
    {
        if (Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is { Length: > 0 } || !File.Exists(Python))
            return null;
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-c", "import torch; a = torch.randn(64, 64); a @ a" })
            info.ArgumentList.Add(a);
        info.Environment["OPENBLAS_VERBOSE"] = "2";
        info.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var core = process.StandardOutput.ReadToEnd() + stderr.Result;
        process.WaitForExit();
        if (!core.Contains("Core: Prescott"))
            return null;
        var flags = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags"))?.Split(' ') ?? [] : [];
        return flags.Contains("avx512f") ? "SkylakeX" : flags.Contains("avx2") ? "Haswell" : null;
    }

    /// <summary>Sets the environment PyTorch runs in: its threads, and the OpenBLAS kernel when OpenBLAS would pick a generic one.</summary>
    public static void Configure(ProcessStartInfo info, int threads)
    {
        info.Environment["OMP_NUM_THREADS"] = threads.ToString();   // OpenBLAS (OpenMP build) and torch's intra-op pool
        if (OpenBlasCoreType is not null)
            info.Environment["OPENBLAS_CORETYPE"] = OpenBlasCoreType;
    }

    public JsonNode Peak() => Call(["peak"]);

    public JsonNode Train(string specPath) => Call(["train", "--spec", specPath]);

    private JsonNode Call(string[] arguments)
    {
        var (code, stdout, stderr) = Run(Python, [script, .. arguments, "--threads", threads.ToString()], threads);
        if (code != 0)
            throw new InvalidOperationException($"{Path.GetFileName(script)} {string.Join(' ', arguments)} failed ({code}):\n{stderr}");
        return JsonNode.Parse(stdout.Trim().Split('\n')[^1])!;
    }

    private static (int Code, string Stdout, string Stderr) Run(string file, string[] arguments, int threads)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
            info.ArgumentList.Add(a);
        Configure(info, threads);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }

    public static string SpecJson(RunSpec spec, string weights, string batches) => JsonSerializer.Serialize(new
    {
        config = new
        {
            n_layer = spec.Config.Layers, n_head = spec.Config.Heads, n_embd = spec.Config.Embd,
            block_size = spec.Config.BlockSize, vocab_size = spec.Config.VocabSize,
            dropout = spec.Config.Dropout, bias = spec.Config.Bias,
        },
        weights, batches,
        batch_size = spec.BatchSize, warmup_steps = spec.WarmupSteps, steps = spec.Steps,
        lr = RunSpec.LearningRate, betas = new[] { RunSpec.Beta1, RunSpec.Beta2 },
        weight_decay = RunSpec.WeightDecay, grad_clip = RunSpec.GradClip,
    });
}

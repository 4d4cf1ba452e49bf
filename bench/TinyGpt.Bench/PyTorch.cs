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
        info.Environment["OMP_NUM_THREADS"] = threads.ToString();   // OpenBLAS (OpenMP build) and torch's intra-op pool
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

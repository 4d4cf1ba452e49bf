using System.Diagnostics;
using System.Text.Json.Nodes;

namespace TinyGpt.Interop.Tests;

/// <summary>
/// Runs tests/python/reference_gpt.py with Debian's /usr/bin/python3 and its python3-torch.
/// Where either is missing every test that needs it fails, saying how to install it: CI must
/// never pass by skipping the parity tests.
/// </summary>
static class PythonReference
{
    const string Python = "/usr/bin/python3";
    const string Install = "apt-get install python3-torch libopenblas0-openmp";

    static readonly Lazy<string> Script = new(() => FindScript("reference_gpt.py"));
    static readonly Lazy<string?> TorchProblem = new(() => ProbeTorch(Python));

    /// <summary>Runs a reference command and returns its standard output; fails the test on any error.</summary>
    public static string Run(params string[] args) => RunScript(Script.Value, args);

    /// <summary>Runs another script of tests/python (e.g. reference_family.py) the same way.</summary>
    public static string RunScript(string script, params string[] args)
    {
        RequireTorch(Python, TorchProblem.Value);
        var (code, stdout, stderr) = Exec(Python, [script, .. args]);
        if (code != 0)
            throw new InvalidOperationException($"{Path.GetFileName(script)} {string.Join(' ', args)} failed (exit {code}):\n{stderr}");
        return stdout;
    }

    /// <summary>Runs a reference command whose output is one JSON object.</summary>
    public static JsonObject RunJson(params string[] args) =>
        JsonNode.Parse(Run(args))!.AsObject();

    /// <summary>Throws, saying how to install PyTorch, when <paramref name="problem"/> is not null.</summary>
    public static void RequireTorch(string python, string? problem)
    {
        if (problem is not null)
            throw new InvalidOperationException(
                $"The nanoGPT parity tests need PyTorch for {python}: {problem}. Install it with `{Install}` (as root; .ci/run does this).");
    }

    /// <summary>Null when <paramref name="python"/> imports torch, else what went wrong.</summary>
    public static string? ProbeTorch(string python)
    {
        if (!File.Exists(python)) return $"{python} does not exist";
        var (code, _, stderr) = Exec(python, ["-c", "import torch; print(torch.__version__)"]);
        return code == 0 ? null : $"`import torch` failed: {stderr.Trim().Split('\n').LastOrDefault()}";
    }

    static (int Code, string Stdout, string Stderr) Exec(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["OMP_NUM_THREADS"] = "1";                         // tiny models; test classes run in parallel
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }

    /// <summary>The path of tests/python/<paramref name="name"/>, found above the test binaries.</summary>
    public static string FindScript(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "python", name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"tests/python/{name} not found above " + AppContext.BaseDirectory);
    }
}

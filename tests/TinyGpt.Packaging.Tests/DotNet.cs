using System.Diagnostics;
using System.Text;

namespace TinyGpt.Packaging.Tests;

/// <summary>Runs the dotnet CLI as a child process, the way a user would from a shell.</summary>
static class DotNet
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    public sealed record Result(int ExitCode, string Output, TimeSpan Elapsed)
    {
        public override string ToString() => $"exit code {ExitCode} after {Elapsed.TotalSeconds:F0} s\n{Output}";
    }

    public static Result Run(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // `dotnet test` hands its MSBuild locations down to the test host; the child CLI finds its own.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";    // no MSBuild node outlives the test
        start.Environment["MSBUILDTERMINALLOGGER"] = "off";    // plain text, in case the output is a terminal
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        var output = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} took more than {Timeout}:\n{output}");
        }
        process.WaitForExit(); // drains the redirected streams
        lock (output) return new Result(process.ExitCode, output.ToString(), clock.Elapsed);
    }
}

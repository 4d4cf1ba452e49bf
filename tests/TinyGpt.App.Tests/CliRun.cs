using System.Diagnostics;
using Spectre.Console;
using TinyGpt.App.Cli;

namespace TinyGpt.App.Tests;

/// <summary>What one run of <c>tinygpt</c> produced.</summary>
public sealed record CliResult(int ExitCode, string Output, string Errors)
{
    /// <summary>The non-empty lines written to stderr.</summary>
    public string[] ErrorLines => Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Output and errors, for assertion messages.</summary>
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Errors}";
}

/// <summary>Runs <c>tinygpt</c> in-process (fast) or as a child process (signals, real exit codes).</summary>
public static class CliRun
{
    /// <summary>In-process, as a pipe would see it: no terminal, no colors, wide lines.</summary>
    public static CliResult InProcess(params string[] args) => InProcess(CancellationToken.None, args);

    /// <inheritdoc cref="InProcess(string[])"/>
    public static CliResult InProcess(CancellationToken cancellation, params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        int code = TinyGptCli.Run(args, PlainConsole(output), PlainConsole(errors), cancellation);
        return new CliResult(code, output.ToString(), errors.ToString());
    }

    /// <summary>In-process on a pretend terminal (ANSI, interactive): the live progress bar path.</summary>
    public static CliResult InTerminal(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var terminal = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.Standard,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(output),
        });
        terminal.Profile.Width = 120;
        int code = TinyGptCli.Run(args, terminal, PlainConsole(errors));
        return new CliResult(code, output.ToString(), errors.ToString());
    }

    /// <summary>
    /// The built <c>tinygpt</c> as a child process with redirected output. With <paramref name="defaultSigint"/>,
    /// it starts with SIGINT at its default disposition, as under a terminal: a test run launched as a background
    /// job of a script inherits SIGINT ignored, and .NET keeps ignoring it, so Ctrl+C would never arrive.
    /// </summary>
    public static Process Start(string[] args, bool defaultSigint = false)
    {
        var start = new ProcessStartInfo(defaultSigint ? "env" : DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (defaultSigint)
        {
            start.ArgumentList.Add("--default-signal=INT");   // GNU env (coreutils 8.31+)
            start.ArgumentList.Add(DotnetHost);
        }
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tinygpt.dll"));
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        return Process.Start(start) ?? throw new InvalidOperationException("tinygpt did not start");
    }

    /// <summary>Runs the built <c>tinygpt</c> to its end.</summary>
    public static CliResult OutOfProcess(params string[] args)
    {
        using var process = Start(args);
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("tinygpt did not finish within 2 minutes");
        }
        return new CliResult(process.ExitCode, output, errors.Result);
    }

    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    internal static IAnsiConsole PlainConsole(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 4096;
        return console;
    }
}

/// <summary>A temporary directory, removed at dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tinygpt-app-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

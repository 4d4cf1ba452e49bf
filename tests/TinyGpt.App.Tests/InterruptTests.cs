using System.Diagnostics;

namespace TinyGpt.App.Tests;

/// <summary>
/// Ctrl+C (SIGINT) or SIGTERM during training saves a checkpoint, exits with 128 + the signal's
/// number (130, 143), and --resume continues.
/// </summary>
public sealed class InterruptTests
{
    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public async Task A_signal_saves_a_checkpoint_exits_with_its_code_and_resume_continues(string signal, int exitCode)
    {
        using var temp = new TempDir();
        var run = temp.File("run");
        using var process = CliRun.Start(["train", .. TrainedBigram.Args(run, steps: 1_000_000)], defaultSigint: true);
        try
        {
            var errors = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEndAsync();

            // Wait for the evaluation at step 10 (log.csv: header, step 0, step 10): training is under way.
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (EvaluationsLogged(run) < 2 && !process.HasExited && DateTime.UtcNow < deadline)
                await Task.Delay(50);
            if (process.HasExited)
                Assert.Fail($"tinygpt ended before the signal: {await output} {await errors}");
            Send(signal, process.Id);

            using var stopped = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(stopped.Token);
            var result = new CliResult(process.ExitCode, await output, await errors);
            Assert.True(result.ExitCode == exitCode, result.ToString());
            Assert.Contains("Interrupted at step", result.Output);
            Assert.Contains("--resume", result.Output);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);   // a failed run must not leave training running
        }

        var step = Checkpoint.Open(run).Metadata.Step;
        Assert.True(step > 0, $"the checkpoint is at step {step}");
        var resumed = CliRun.InProcess("train", "--out", run, "--resume", "--steps", (step + 5).ToString());
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(step + 5, Checkpoint.Open(run).Metadata.Step);
    }

    private static int EvaluationsLogged(string run)
    {
        var log = Path.Combine(run, "log.csv");
        try { return File.Exists(log) ? File.ReadAllLines(log).Length - 1 : 0; }
        catch (IOException) { return 0; }
    }

    /// <summary>What Ctrl+C (INT) or a service manager (TERM) does, through kill(1) (POSIX systems).</summary>
    private static void Send(string signal, int pid)
    {
        using var kill = Process.Start("kill", ["-s", signal, pid.ToString()]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}

using TinyGpt.App.Cli;

namespace TinyGpt.App.Tests;

/// <summary>How exceptions map to exit codes and lines, beyond the user errors of <see cref="BadInputTests"/>.</summary>
public sealed class ExitCodeTests
{
    [Fact]
    public void A_bug_is_exit_2_and_asks_for_verbose()
    {
        var errors = new StringWriter();
        int code = TinyGptCli.Report(new InvalidOperationException("boom"), CliRun.PlainConsole(errors), verbose: false, "tinygpt --help");
        Assert.Equal(ExitCodes.InternalError, code);
        var line = Assert.Single(errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: Unexpected InvalidOperationException: boom", line);
        Assert.Contains("--verbose", line);
    }

    [Fact]
    public void Cancellation_is_exit_130()
    {
        var errors = new StringWriter();
        Assert.Equal(130, TinyGptCli.Report(new OperationCanceledException(), CliRun.PlainConsole(errors), verbose: false, "tinygpt --help"));
    }

    [Fact]
    public void Cancelling_a_sample_in_process_exits_130()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        using var temp = new TempDir();
        var train = CliRun.InProcess(["train", .. TrainedBigram.Args(temp.Path, steps: 2)]);
        Assert.True(train.ExitCode == 0, train.ToString());
        var result = CliRun.InProcess(cancelled.Token, "sample", "--checkpoint", temp.Path, "--tokens", "50");
        Assert.Equal(130, result.ExitCode);
    }
}

using Spectre.Console;
using TinyGpt.App.Cli;

// Ctrl+C asks the running command to stop: training finishes its step, saves a checkpoint and
// exits with 130. A second Ctrl+C ends the process at once (the checkpoint on disk stays whole:
// checkpoints are written atomically).
using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (interrupt.IsCancellationRequested)
        return;
    e.Cancel = true;
    interrupt.Cancel();
};

var errors = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
if (Console.IsErrorRedirected)
    errors.Profile.Width = 4096;   // an error stays one line in logs: no wrapping at 80 columns
return TinyGptCli.Run(args, AnsiConsole.Console, errors, interrupt.Token);

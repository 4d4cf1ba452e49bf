using System.Runtime.InteropServices;
using Spectre.Console;
using TinyGpt.App.Cli;

// Ctrl+C (SIGINT) and SIGTERM (kill, a container or service stopping) ask the running command to
// stop: training finishes its step, saves a checkpoint and exits with 130 or 143. A second signal
// ends the process at once (the checkpoint on disk stays whole: checkpoints are written atomically).
using var interrupt = new CancellationTokenSource();
var terminated = false;
Console.CancelKeyPress += (_, e) =>
{
    if (interrupt.IsCancellationRequested)
        return;
    e.Cancel = true;
    interrupt.Cancel();
};
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    if (interrupt.IsCancellationRequested)
        return;
    context.Cancel = true;
    terminated = true;
    interrupt.Cancel();
});

var errors = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
if (Console.IsErrorRedirected)
    errors.Profile.Width = 4096;   // an error stays one line in logs: no wrapping at 80 columns
var code = TinyGptCli.Run(args, AnsiConsole.Console, errors, interrupt.Token);
return code == ExitCodes.Interrupted && terminated ? ExitCodes.Terminated : code;

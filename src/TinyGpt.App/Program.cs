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
using var onTerminate = OnSigterm(() =>
{
    if (interrupt.IsCancellationRequested)
        return false;
    terminated = true;
    interrupt.Cancel();
    return true;
});

var errors = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
if (Console.IsErrorRedirected)
    errors.Profile.Width = 4096;   // an error stays one line in logs: no wrapping at 80 columns
var code = TinyGptCli.Run(args, AnsiConsole.Console, errors, interrupt.Token);
return code == ExitCodes.Interrupted && terminated ? ExitCodes.Terminated : code;

// SIGTERM where the platform has it (Windows maps it to a shutdown event); the handler says whether
// it took the signal, else the default (ending the process) goes ahead.
static PosixSignalRegistration? OnSigterm(Func<bool> stop)
{
    try
    {
        return PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => context.Cancel = stop());
    }
    catch (PlatformNotSupportedException)
    {
        return null;
    }
}

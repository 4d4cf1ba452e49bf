using System.Runtime.InteropServices;
using Spectre.Console;
using TinyGpt.App.Cli;

// Ctrl+C (SIGINT) and SIGTERM (kill, a container or service stopping) ask the running command to
// stop: training finishes its step, saves a checkpoint and exits with 130 or 143. A second signal
// ends the process at once (the checkpoint on disk stays whole: checkpoints are written atomically).
using var interrupt = new CancellationTokenSource();
PosixSignal? stoppedBy = null;
using var onInterrupt = StopOn(PosixSignal.SIGINT);
using var onQuit = StopOn(PosixSignal.SIGQUIT);          // Ctrl+\ and Ctrl+Break, which count as Ctrl+C in .NET
using var onTerminate = StopOn(PosixSignal.SIGTERM);

var errors = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
if (Console.IsErrorRedirected)
    errors.Profile.Width = 4096;   // an error stays one line in logs: no wrapping at 80 columns
var code = TinyGptCli.Run(args, AnsiConsole.Console, errors, interrupt.Token);
return code == ExitCodes.Interrupted && stoppedBy == PosixSignal.SIGTERM ? ExitCodes.Terminated : code;

// The first signal cancels the command instead of ending the process; a later one takes the default.
// Registered only where the platform has the signal (Windows maps them to console events).
PosixSignalRegistration? StopOn(PosixSignal signal)
{
    try
    {
        return PosixSignalRegistration.Create(signal, context =>
        {
            if (interrupt.IsCancellationRequested)
                return;
            context.Cancel = true;
            stoppedBy = signal;
            interrupt.Cancel();
        });
    }
    catch (PlatformNotSupportedException)
    {
        return null;
    }
}

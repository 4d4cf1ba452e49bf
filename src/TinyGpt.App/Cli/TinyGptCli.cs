using Spectre.Console;
using Spectre.Console.Cli;
using TinyGpt.App.Commands;

namespace TinyGpt.App.Cli;

/// <summary>
/// The <c>tinygpt</c> command line: its commands, and how every failure becomes one red line
/// and an exit code (<see cref="ExitCodes"/>). Tests run it in-process with consoles of their own.
/// </summary>
public static class TinyGptCli
{
    /// <summary>
    /// Runs <paramref name="args"/>: results go to <paramref name="output"/>, error lines to
    /// <paramref name="errors"/>; <paramref name="cancellation"/> is Ctrl+C or SIGTERM.
    /// </summary>
    public static int Run(string[] args, IAnsiConsole output, IAnsiConsole errors, CancellationToken cancellation = default)
    {
        bool verbose = args.Contains("--verbose", StringComparer.OrdinalIgnoreCase);
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("tinygpt");
            config.UseStrictParsing();
            config.ConfigureConsole(output);
            config.CancellationExitCode(ExitCodes.Interrupted);
            config.SetExceptionHandler((exception, _) => Report(exception, errors, verbose, HelpFor(args)));
            Register(config);
        });
        return app.Run(args, cancellation);
    }

    private static readonly string[] CommandNames = ["data", "info", "train", "sample", "export", "import", "serve"];   // keep in step with Register

    /// <summary>The commands.</summary>
    private static void Register(IConfigurator config)
    {
        config.AddCommand<DataCommand>("data")
            .WithDescription("Summarize a corpus: length, alphabet, vocabulary size, a preview and the train/val split.")
            .WithExample("data")
            .WithExample("data", "--data", "my-text.txt");
        config.AddCommand<InfoCommand>("info")
            .WithDescription("Show a model's architecture: modules, output shapes, parameters and FLOPs per token.")
            .WithExample("info", "--model", "shakespeare");
        config.AddCommand<TrainCommand>("train")
            .WithDescription("Train a model on a corpus, save checkpoints to --out and print a sample. Ctrl+C saves and stops.")
            .WithExample("train")
            .WithExample("train", "--model", "bigram", "--steps", "3000")
            .WithExample("train", "--out", "runs/baby", "--resume");
        config.AddCommand<SampleCommand>("sample")
            .WithDescription("Generate text from a trained checkpoint, streaming it to stdout.")
            .WithExample("sample", "--checkpoint", "runs/baby", "--prompt", "ROMEO:", "--tokens", "300");
        config.AddCommand<ExportCommand>("export")
            .WithDescription("Write a checkpoint's weights for nanoGPT (nanoGPT's names; safetensors or torch.save .pt) and its config and vocabulary as JSON.")
            .WithExample("export", "--checkpoint", "runs/baby", "--out", "baby.safetensors");
        config.AddCommand<ImportCommand>("import")
            .WithDescription("Turn nanoGPT weights (.pt or safetensors) into a checkpoint that 'tinygpt sample' reads.")
            .WithExample("import", "--weights", "ckpt.pt", "--model", "shakespeare", "--out", "runs/imported", "--vocab", "meta.json");
        config.AddCommand<ServeCommand>("serve")
            .WithDescription("Open a playground in the browser: type a prompt, watch the text stream and see where each attention head looks.")
            .WithExample("serve", "--checkpoint", "runs/baby", "--port", "8000");
    }

    /// <summary>Turns an exception into one red line (and a stack trace with --verbose) and an exit code.</summary>
    internal static int Report(Exception exception, IAnsiConsole errors, bool verbose, string help)
    {
        if (exception is OperationCanceledException)
        {
            errors.MarkupLine("[yellow]Interrupted.[/]");
            return ExitCodes.Interrupted;
        }

        var (message, code) = UserErrors.Describe(exception, help) is { } userMessage
            ? (userMessage, ExitCodes.UserError)
            : ($"Unexpected {exception.GetType().Name}: {exception.Message} (this is a bug in TinyGpt; run again with --verbose for the stack trace)",
               ExitCodes.InternalError);
        // One line, unless the message is a list (a weights file's mismatching tensors): then its
        // first line follows "error:" and each item stands indented below it.
        var raw = message.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        bool isList = raw.Skip(1).Any(line => line.StartsWith("  ", StringComparison.Ordinal));
        var lines = raw.Select(line => line.Trim()).ToArray();
        errors.MarkupLine($"[red]error:[/] {(isList ? lines[0] : string.Join(' ', lines)).EscapeMarkup()}");
        if (isList)
            foreach (var line in lines.Skip(1))
                errors.MarkupLine($"  {line.EscapeMarkup()}");
        if (verbose)
            errors.WriteException(exception);
        return code;
    }

    /// <summary><c>tinygpt train --help</c> when the first argument is a command, else <c>tinygpt --help</c>.</summary>
    private static string HelpFor(string[] args) =>
        args.Length > 0 && CommandNames.Contains(args[0]) ? $"tinygpt {args[0]} --help" : "tinygpt --help";
}

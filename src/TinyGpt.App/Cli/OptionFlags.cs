using System.Text.RegularExpressions;

namespace TinyGpt.App.Cli;

/// <summary>
/// The runtime names what was wrong by its C# property or argument (<see cref="TinyGptException.Option"/>,
/// e.g. <c>TrainingOptions.LearningRate</c>); the command line exposes those as flags. This is the one
/// table between the two, and <see cref="Translate"/> rewords a runtime message in flags.
/// </summary>
public static class OptionFlags
{
    /// <summary>A flag, and the advice to print instead of the runtime's where C# advice has no flag equivalent.</summary>
    private sealed record Flag(string Name, string? Remedy = null);

    private static readonly Dictionary<string, Flag> Table = new()
    {
        [Train(nameof(TrainingOptions.Steps))] = new("--steps"),
        [Train(nameof(TrainingOptions.BatchSize))] = new("--batch-size"),
        [Train(nameof(TrainingOptions.LearningRate))] = new("--lr"),
        [Train(nameof(TrainingOptions.MinLearningRate))] = new("--min-lr"),
        [Train(nameof(TrainingOptions.WarmupSteps))] = new("--warmup"),
        [Train(nameof(TrainingOptions.DecaySteps))] = new("--lr-decay-steps"),
        [Train(nameof(TrainingOptions.EvalInterval))] = new("--eval-interval"),
        [Train(nameof(TrainingOptions.EvalIters))] = new("--eval-iters"),
        [Train(nameof(TrainingOptions.Seed))] = new("--seed"),
        [Train(nameof(TrainingOptions.Device))] = new("--device"),
        [Train(nameof(TrainingOptions.Precision))] = new(PrecisionOption.Flag),
        [Train(nameof(TrainingOptions.Resume))] = new("--resume"),
        [Train(nameof(TrainingOptions.Overwrite))] = new("--overwrite"),
        [Trainer.RunDirectoryArgument] = new("--out"),
        [Trainer.CorpusArgument] = new("--data"),
        [Corpus.PathArgument] = new("--data"),
        [TorchDevice.ResolveArgument] = new("--device"),
        [TorchDevice.ThreadsArgument] = new("--threads", "leave it out for libtorch's default."),
        [Sample(nameof(SamplingOptions.Prompt))] = new("--prompt"),
        [Sample(nameof(SamplingOptions.MaxNewTokens))] = new("--tokens"),
        [Sample(nameof(SamplingOptions.Temperature))] = new("--temperature"),
        [Sample(nameof(SamplingOptions.TopK))] = new("--top-k", "omit it to sample from every token."),
        [Sample(nameof(SamplingOptions.NumSamples))] = new("--num-samples"),
        [Sample(nameof(SamplingOptions.Seed))] = new("--seed"),
        [Checkpoint.PathArgument] = new("--checkpoint"),
        [Checkpoint.ModelArgument] = new("--model", "choose --model to match the checkpoint."),
    };

    /// <summary>Longest names first, so no name is rewritten inside a longer one.</summary>
    private static readonly (string Option, Flag Flag)[] ByLength =
        [.. Table.OrderByDescending(kv => kv.Key.Length).Select(kv => (kv.Key, kv.Value))];

    /// <summary>The flag of a runtime option, or null when the command line has none.</summary>
    public static string? FlagFor(string option) => Table.TryGetValue(option, out var flag) ? flag.Name : null;

    /// <summary>
    /// <paramref name="error"/>'s message in flags: <c>TrainingOptions.LearningRate must be positive</c>
    /// becomes <c>--lr must be positive</c>, <c>X = true</c> the bare flag, <c>X = "v"</c> and <c>X = 1</c>
    /// the flag and its value, <c>set X = false</c> <c>drop</c> the flag.
    /// </summary>
    public static string Translate(TinyGptException error)
    {
        var message = error.Message;
        if (error.Option is { } option && Table.TryGetValue(option, out var own) && own.Remedy is { } remedy &&
            error.Remedy is { } runtimeRemedy && message.EndsWith(runtimeRemedy, StringComparison.Ordinal))
            message = message[..^runtimeRemedy.Length] + remedy;
        foreach (var (name, flag) in ByLength)
        {
            if (!message.Contains(name, StringComparison.Ordinal))
                continue;
            var escaped = Regex.Escape(name);
            message = Regex.Replace(message, $@"set {escaped} = false\b", $"drop {flag.Name}");
            message = Regex.Replace(message, $@"{escaped} = true\b", flag.Name);
            message = Regex.Replace(message, $@"{escaped} = ""([^""]*)""", $"{flag.Name} $1");
            message = Regex.Replace(message, $@"{escaped} = (-?\d+(?:\.\d+)?|\w+)", $"{flag.Name} $1");
            message = message.Replace(name, flag.Name, StringComparison.Ordinal);
        }
        return message;
    }

    private static string Train(string property) => $"{nameof(TrainingOptions)}.{property}";

    private static string Sample(string property) => $"{nameof(SamplingOptions)}.{property}";
}

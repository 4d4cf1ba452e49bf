using System.ComponentModel;
using System.Net;
using Spectre.Console.Cli;
using TinyGpt.App.Cli;

namespace TinyGpt.App.Commands;

/// <summary>The options of <c>tinygpt serve</c>.</summary>
public sealed class ServeSettings : TinyGptSettings
{
    /// <summary>The most characters one generation may ask for unless <c>--max-tokens</c> says otherwise.</summary>
    public const int DefaultMaxTokens = 2000;

    [CommandOption("-c|--checkpoint <DIR>", isRequired: true)]
    [Description("The run directory written by 'tinygpt train' (its --out); a [Gpt] model such as baby, not the bigram.")]
    public string Checkpoint { get; init; } = "";

    [CommandOption("--port <N>")]
    [Description("The TCP port to listen on; 0 picks a free one (printed at start).")]
    [DefaultValue(8000)]
    public int Port { get; init; } = 8000;

    [CommandOption("--host <ADDRESS>")]
    [Description("The IP address to listen on. Default: 127.0.0.1, this machine only; another address lets the network in.")]
    [DefaultValue("127.0.0.1")]
    public string Host { get; init; } = "127.0.0.1";

    [CommandOption("--max-tokens <N>")]
    [Description("The most characters one generation may ask for.")]
    [DefaultValue(DefaultMaxTokens)]
    public int MaxTokens { get; init; } = DefaultMaxTokens;

    [CommandOption("--device <DEVICE>")]
    [Description("auto, cpu or cuda; auto takes CUDA when libtorch reports it.")]
    [DefaultValue("auto")]
    public string Device { get; init; } = "auto";

    /// <summary>The parsed <see cref="Host"/> (<c>localhost</c> is 127.0.0.1).</summary>
    public IPAddress Address =>
        string.Equals(Host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback : IPAddress.Parse(Host);

    /// <inheritdoc />
    protected override string? Check()
    {
        if (string.IsNullOrWhiteSpace(Checkpoint))
            return "--checkpoint needs a run directory, e.g. --checkpoint runs/baby.";
        if (Port is < 0 or > 65535)
            return $"--port must be between 0 and 65535 (got {Port}); 0 picks a free port.";
        if (!string.Equals(Host, "localhost", StringComparison.OrdinalIgnoreCase) && !IPAddress.TryParse(Host, out _))
            return $"--host must be an IP address such as 127.0.0.1 or 0.0.0.0 (got '{Host}').";
        if (MaxTokens < 1)
            return $"--max-tokens must be at least 1 (got {MaxTokens}).";
        return base.Check();
    }
}

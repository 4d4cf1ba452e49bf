using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace TinyGpt.App.Cli;

/// <summary>Options every <c>tinygpt</c> command accepts.</summary>
public class TinyGptSettings : CommandSettings
{
    [CommandOption("--verbose")]
    [Description("Show the stack trace of an error as well as its message.")]
    public bool Verbose { get; init; }

    /// <summary>
    /// The first rule a settings object breaks, as one message naming the option, or null.
    /// Commands add theirs by overriding and chaining to the base.
    /// </summary>
    protected virtual string? Check() => null;

    /// <inheritdoc />
    public sealed override ValidationResult Validate() =>
        Check() is { } error ? ValidationResult.Error(error) : ValidationResult.Success();
}

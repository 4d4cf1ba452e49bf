using Spectre.Console;
using Spectre.Console.Cli;
using TinyGpt.App.Cli;
using TinyGpt.App.Models;
using TorchSharp;

namespace TinyGpt.App.Commands;

/// <summary>
/// <c>tinygpt sample</c>: rebuilds the model a checkpoint was trained for (by the name it
/// recorded), loads its weights and streams generated text to stdout.
/// </summary>
public sealed class SampleCommand(IAnsiConsole console) : Command<SampleSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, SampleSettings settings, CancellationToken cancellationToken)
    {
        var options = new SamplingOptions
        {
            Prompt = settings.Prompt,
            MaxNewTokens = settings.Tokens,
            Temperature = settings.Temperature,
            TopK = settings.TopK,
            NumSamples = settings.NumSamples,
            Seed = settings.Seed,
        }.Validate();
        var device = TorchDevice.Resolve(settings.Device);

        var checkpoint = Checkpoint.Open(settings.Checkpoint);
        checkpoint.Tokenizer.Encode(options.Prompt);   // a prompt character outside the vocabulary fails here, before any output
        var entry = ModelCatalog.ForCheckpoint(checkpoint.Metadata, settings.Checkpoint);
        using var model = entry.Create(checkpoint.Metadata.Config.VocabSize);
        checkpoint.LoadWeights(model);
        model.to(device);
        if ((PrecisionOption.Parse(settings.Precision) ?? checkpoint.Metadata.ComputePrecision) is { } precision)
            model.ComputePrecision = precision;   // after the move: auto asks the device the model is on

        SampleWriter.Write(console, new Sampler(model, checkpoint.Tokenizer), options, cancellationToken);
        return ExitCodes.Success;
    }
}

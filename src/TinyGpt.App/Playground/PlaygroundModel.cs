using System.Globalization;
using TinyGpt.App.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt.App.Playground;

/// <summary>
/// The one trained model the playground serves, shared by every request: sampling streams text with
/// <see cref="Sampler"/> (the seeded draws of <c>tinygpt sample</c>), and attention maps come from
/// <see cref="AttentionMaps"/> on the same weights. Every use of the model takes a turn (<see cref="Turns"/>).
/// </summary>
public sealed class PlaygroundModel : IDisposable
{
    private readonly Turns _turns = new();
    private readonly Sampler _sampler;

    /// <summary>Serves <paramref name="model"/>, which the playground owns and disposes from now on.</summary>
    public PlaygroundModel(LanguageModel model, CharTokenizer tokenizer, string description)
    {
        if (model is not ICachedLanguageModel)
            throw new TinyGptException(
                $"{model.GetName()} has no attention to show (the bigram baseline reads a table); serve a [Gpt] model such as baby.");
        model.eval();
        _sampler = new Sampler(model, tokenizer);
        Description = description;
    }

    /// <summary>
    /// The model a run directory's checkpoint holds (rebuilt by the name it recorded, as <c>tinygpt sample</c> does),
    /// on <paramref name="device"/> (default the CPU).
    /// </summary>
    /// <exception cref="TinyGptException">The checkpoint is missing or damaged, or holds a model without attention.</exception>
    public static PlaygroundModel Open(string runDirectory, Device? device = null)
    {
        var checkpoint = Checkpoint.Open(runDirectory);
        var metadata = checkpoint.Metadata;
        var entry = ModelCatalog.ForCheckpoint(metadata, runDirectory);
        var model = entry.Create(metadata.Config.VocabSize);
        try
        {
            checkpoint.LoadWeights(model);
            if (device is not null)
                model.to(device);
            var loss = metadata.ValLoss is { } val ? $", val loss {val.ToString("0.000", CultureInfo.InvariantCulture)}" : "";
            return new PlaygroundModel(model, checkpoint.Tokenizer, $"{entry.Name} ({metadata.ModelName}) from {runDirectory}, step {metadata.Step:N0}{loss}");
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The model.</summary>
    public LanguageModel Model => _sampler.Model;

    /// <summary>Its vocabulary.</summary>
    public CharTokenizer Tokenizer => _sampler.Tokenizer;

    /// <summary>What the page says it is (name, checkpoint, step, val loss).</summary>
    public string Description { get; }

    /// <summary>
    /// Generates from <paramref name="request"/> on the calling thread, handing each new character to
    /// <paramref name="onText"/> as it comes, and returns the whole text (prompt included). Between two tokens
    /// it lets other requests run the model.
    /// </summary>
    public string Generate(GenerationRequest request, Action<string> onText, CancellationToken cancellation)
    {
        using var turn = _turns.Take(cancellation);
        return _sampler.Generate(request.ToSamplingOptions(), (_, text) =>
        {
            onText(text);
            turn.Pass();
        }, cancellation)[0];
    }

    /// <summary>The attention weights of the last BlockSize characters of <paramref name="text"/>.</summary>
    /// <exception cref="TinyGptException">The text is empty or has a character outside the vocabulary.</exception>
    public AttentionMap Attention(string text, CancellationToken cancellation)
    {
        using var turn = _turns.Take(cancellation);
        return AttentionMaps.Compute(Model, Tokenizer, text);
    }

    /// <summary>Frees the model.</summary>
    public void Dispose() => Model.Dispose();
}

using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// Autoregressive generation: crop the context to BlockSize, read the last position's logits,
/// scale by temperature, keep the top k, draw one token, repeat. Draws use a seeded
/// <see cref="DeterministicRandom"/>, so a seed gives the same text on any device.
/// </summary>
public sealed class Sampler(LanguageModel model, CharTokenizer tokenizer)
{
    /// <summary>The model sampled from.</summary>
    public LanguageModel Model { get; } = model;

    /// <summary>Maps text to tokens and back.</summary>
    public CharTokenizer Tokenizer { get; } = tokenizer;

    /// <summary>
    /// Generates <see cref="SamplingOptions.NumSamples"/> continuations of the prompt and returns each
    /// (prompt included). <paramref name="onText"/> receives (sample index, new text) as each
    /// character is produced.
    /// </summary>
    public IReadOnlyList<string> Generate(SamplingOptions options, Action<int, string>? onText = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var promptOption = SamplingOptions.Name(nameof(SamplingOptions.Prompt));
        var prompt = Tokenizer.Encode(options.Prompt, promptOption);
        if (prompt.Length == 0)
            throw TinyGptException.About(promptOption, $"{promptOption} is empty;", "give at least one character (the default is a newline).");
        var random = new DeterministicRandom(options.Seed);
        var results = new List<string>(options.NumSamples);
        var wasTraining = Model.training;
        Model.eval();
        try
        {
            using var noGrad = no_grad();
            using var decoder = new CachedDecoder(Model);                   // KV cache for [Gpt] models, full recompute otherwise
            for (var sample = 0; sample < options.NumSamples; sample++)
            {
                var tokens = new List<long>(prompt);
                for (var i = 0; i < options.MaxNewTokens; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var logits = NextTokenLogits(tokens, decoder);
                    var next = TokenChooser.Choose(logits, options.Temperature, options.TopK, random);
                    tokens.Add(next);
                    onText?.Invoke(sample, Tokenizer.Decode(next));
                }
                results.Add(Tokenizer.Decode(tokens));
            }
        }
        finally
        {
            Model.train(wasTraining);
        }
        return results;
    }

    /// <summary>
    /// The one place the model runs: logits of the token after <paramref name="tokens"/>, reading
    /// at most BlockSize tokens of context (the decoder crops as nanoGPT does and reuses its KV cache).
    /// </summary>
    private float[] NextTokenLogits(List<long> tokens, CachedDecoder decoder)
    {
        var values = decoder.NextTokenLogits(tokens);
        // Rows beyond the tokenizer's vocabulary (a model declared larger) are never chosen.
        return values.Length > Tokenizer.VocabSize ? values[..Tokenizer.VocabSize] : values;
    }
}

using System.Runtime.CompilerServices;

namespace TinyGpt.Onnx;

/// <summary>
/// Autoregressive generation from an <see cref="OnnxGpt"/>, with TinyGpt's sampler semantics: crop the context
/// to BlockSize, read the last position's logits, scale by temperature, keep the top k, draw one token from a
/// seeded xoshiro256** stream. A seed gives exactly the text of <c>tinygpt sample --seed</c> (its first sample).
/// </summary>
public sealed class OnnxSampler(OnnxGpt model)
{
    /// <summary>The model sampled from.</summary>
    public OnnxGpt Model { get; } = model;

    /// <summary>The prompt followed by <see cref="OnnxSamplingOptions.MaxNewTokens"/> generated characters.</summary>
    /// <exception cref="TinyGptOnnxException">The prompt is empty or has a character outside the vocabulary.</exception>
    public string Generate(string prompt, OnnxSamplingOptions? options = null, CancellationToken cancellationToken = default) =>
        prompt + string.Concat(Stream(prompt, options, cancellationToken));

    /// <summary>The generated characters one at a time (without the prompt), computed as they are enumerated.</summary>
    /// <exception cref="TinyGptOnnxException">The prompt is empty or has a character outside the vocabulary (thrown at once, not on enumeration).</exception>
    public IEnumerable<string> Stream(string prompt, OnnxSamplingOptions? options = null, CancellationToken cancellationToken = default)
    {
        options = (options ?? new OnnxSamplingOptions()).Validate();
        var tokens = Encode(prompt);
        return Tokens(tokens, options, cancellationToken);
    }

    /// <summary>
    /// <see cref="Stream"/> as an async stream: each character is produced on the thread pool, so a UI or a web
    /// response stays responsive while the model runs.
    /// </summary>
    /// <exception cref="TinyGptOnnxException">The prompt is empty or has a character outside the vocabulary (thrown at once).</exception>
    public IAsyncEnumerable<string> StreamAsync(string prompt, OnnxSamplingOptions? options = null, CancellationToken cancellationToken = default)
    {
        var characters = Stream(prompt, options, cancellationToken);
        return Async(characters, cancellationToken);
    }

    private static async IAsyncEnumerable<string> Async(IEnumerable<string> characters, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var enumerator = characters.GetEnumerator();
        while (await Task.Run(enumerator.MoveNext, cancellationToken).ConfigureAwait(false))
            yield return enumerator.Current;
    }

    private long[] Encode(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var tokens = Model.Vocabulary.Encode(prompt);
        if (tokens.Length == 0)
            throw new TinyGptOnnxException("The prompt is empty; give at least one character (TinyGpt's default is a newline).");
        return tokens;
    }

    private IEnumerable<string> Tokens(long[] prompt, OnnxSamplingOptions options, CancellationToken cancellationToken)
    {
        var random = new DeterministicRandom(options.Seed);
        var tokens = new List<long>(prompt);
        var vocabulary = Model.Vocabulary;
        using var decoder = new OnnxDecoder(Model, options.UseKvCache);
        for (var i = 0; i < options.MaxNewTokens; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var logits = decoder.NextTokenLogits(tokens);
            // Rows beyond the vocabulary (a model declared larger) are never chosen, as in TinyGpt's sampler.
            if (logits.Length > vocabulary.Count)
                logits = logits[..vocabulary.Count];
            var next = TokenChooser.Choose(logits, options.Temperature, options.TopK, random);
            tokens.Add(next);
            yield return vocabulary.Decode(next);
        }
    }
}

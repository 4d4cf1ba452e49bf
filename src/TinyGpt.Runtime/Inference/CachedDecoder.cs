using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// Next-token logits for a growing sequence, with a KV cache: the drop-in replacement for running the
/// whole (cropped) context through the model for every new token. It gives the same logits as that full
/// recompute, up to float rounding, and therefore the same samples.
/// </summary>
/// <remarks>
/// <para>While the sequence fits in BlockSize, each call feeds only the tokens the cache has not seen (one,
/// when sampling). Like nanoGPT's <c>generate</c>, the model reads at most the last BlockSize tokens; once
/// the sequence is longer, that window starts one token later on every call, every position shifts, and the
/// cache is refilled from the whole window (with the LM head still on the last position only). So the cache
/// pays off until the context is full and then costs about what the full recompute costs.</para>
/// <para>Any other change of the sequence (a new prompt, a new sample) is detected by comparing with the
/// tokens already fed, and refills the cache too. A model without a cached forward pass (the bigram
/// baseline) is run on the whole cropped context, so a sampler can use this class for every model.</para>
/// </remarks>
public sealed class CachedDecoder : IDisposable
{
    private readonly ICachedLanguageModel? cached;
    private readonly List<long> fed = [];    // the tokens whose keys and values the cache holds, in order
    private KeyValueCache? cache;

    /// <summary>
    /// Decodes <paramref name="model"/>: with a KV cache when it is a generated <c>[Gpt]</c> model
    /// (<see cref="ICachedLanguageModel"/>) and <paramref name="useCache"/> is true; else by full recompute.
    /// </summary>
    public CachedDecoder(LanguageModel model, bool useCache = true)
    {
        Model = model;
        cached = useCache ? model as ICachedLanguageModel : null;
    }

    /// <summary>True when <paramref name="model"/> can be sampled with a KV cache.</summary>
    public static bool Supports(LanguageModel model) => model is ICachedLanguageModel;

    /// <summary>The model decoded.</summary>
    public LanguageModel Model { get; }

    /// <summary>How many times the cache was filled from a whole window (the first call, a new sequence, or a shifted window).</summary>
    public int Refills { get; private set; }

    /// <summary>
    /// Float32 logits <c>[VocabSize]</c> of the token after <paramref name="tokens"/>, reading at most the
    /// last BlockSize tokens, exactly what <c>Model.forward(context)[0, -1]</c> gives. Runs without gradients;
    /// call it with the model in eval mode, as the full-recompute sampler does.
    /// </summary>
    public float[] NextTokenLogits(IReadOnlyList<long> tokens)
    {
        if (tokens.Count == 0)
            throw new ArgumentException("There must be at least one token of context.", nameof(tokens));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var blockSize = Model.Config.BlockSize;
        var device = Model.WeightsDevice;
        if (cached is null)
            return FullRecompute(tokens, blockSize, device);
        cache ??= cached.CreateCache(batchSize: 1);

        long[] feed;
        if (tokens.Count <= blockSize && ContextWindow.Extends(tokens, fed))
            feed = ContextWindow.From(tokens, fed.Count);                   // usually one token
        else
        {
            feed = ContextWindow.Last(tokens, blockSize);
            cache.Clear();
            fed.Clear();
            Refills++;
        }
        if (feed.Length == 0)
            throw new ArgumentException("The cache already holds these tokens; give one more to get the next logits.", nameof(tokens));

        var idx = tensor(feed, [1, feed.Length]).to(device);                // [1, T_new]
        var logits = cached.forward(idx, cache);                            // [1, V] float32
        fed.AddRange(feed);
        return logits[0].cpu().data<float>().ToArray();                     // [V]
    }

    /// <summary>
    /// The sampling loop: appends <paramref name="maxNewTokens"/> tokens to <paramref name="prompt"/>, each
    /// picked by <paramref name="choose"/> from the next-token logits, and returns the whole sequence. The
    /// model is put in eval mode meanwhile (its previous mode is restored).
    /// </summary>
    public List<long> Generate(IReadOnlyList<long> prompt, int maxNewTokens, Func<float[], long> choose, CancellationToken cancellationToken = default)
    {
        var tokens = new List<long>(prompt);
        var wasTraining = Model.training;
        Model.eval();
        try
        {
            for (var i = 0; i < maxNewTokens; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                tokens.Add(choose(NextTokenLogits(tokens)));
            }
        }
        finally
        {
            Model.train(wasTraining);
        }
        return tokens;
    }

    /// <summary>The last BlockSize tokens through <c>forward</c>, the last position's logits (nanoGPT's <c>generate</c>).</summary>
    private float[] FullRecompute(IReadOnlyList<long> tokens, int blockSize, Device device)
    {
        var context = ContextWindow.Last(tokens, blockSize);
        var logits = Model.forward(tensor(context, [1, context.Length]).to(device));   // [1, T, V]
        return logits[0, -1].to(ScalarType.Float32).cpu().data<float>().ToArray();     // [V]
    }

    /// <summary>Frees the cache.</summary>
    public void Dispose() => cache?.Dispose();
}

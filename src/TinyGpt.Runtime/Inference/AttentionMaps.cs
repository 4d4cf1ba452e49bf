using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// Where each attention head looks: the softmax weights of every layer and head of a model for one input,
/// the picture the walkthrough and the playground draw. The weights come from the model's own cached
/// forward pass (<see cref="ICachedLanguageModel"/>), run once on the whole input with a cache that records
/// what each layer attended to, so they are the weights the model really computes, not a second copy of it.
/// </summary>
public static class AttentionMaps
{
    /// <summary>
    /// Attention weights <c>[Layers, B, Heads, T, T]</c> (float32) for token ids <paramref name="idx"/>
    /// <c>[B, T]</c> (int64, 1 ≤ T ≤ BlockSize): entry <c>[l, b, h, i, j]</c> is how much position i attends
    /// to position j in head h of block l; every row sums to 1 and is 0 above the diagonal (j &gt; i).
    /// Runs in eval mode without gradients; the caller owns the result.
    /// </summary>
    /// <exception cref="ArgumentException">The model has no attention (the bigram baseline), or idx is not int64 <c>[B, T]</c> with 1 ≤ T ≤ BlockSize.</exception>
    public static Tensor Compute(LanguageModel model, Tensor idx)
    {
        if (model is not ICachedLanguageModel attending)
            throw new ArgumentException(
                $"{model.GetName()} has no attention layers to show (the bigram baseline reads a table); use a [Gpt] model.",
                nameof(model));
        var blockSize = model.Config.BlockSize;
        if (idx.dtype != ScalarType.Int64 || idx.dim() != 2 || idx.shape[1] < 1 || idx.shape[1] > blockSize)
            throw new ArgumentException(
                $"AttentionMaps.Compute: idx must be int64 [B, T] with 1 ≤ T ≤ BlockSize ({blockSize}); got {Shapes.Describe(idx)}",
                nameof(idx));
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            using var cache = attending.CreateCache(idx.shape[0]);
            cache.RecordWeights();
            using (var logits = attending.forward(idx, cache)) { }
            var layers = cache.TakeRecordedWeights();
            try
            {
                return stack(layers);                                               // [Layers, B, nh, T, T]
            }
            finally
            {
                foreach (var layer in layers)
                    layer.Dispose();
            }
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>
    /// The weights of <paramref name="text"/> as plain arrays, <c>[layer][head][query, key]</c>, for its last
    /// BlockSize tokens (what the model reads when it continues the text), with those tokens.
    /// </summary>
    /// <exception cref="TinyGptException">The text is empty or has a character outside the tokenizer's vocabulary.</exception>
    public static AttentionMap Compute(LanguageModel model, CharTokenizer tokenizer, string text)
    {
        var ids = tokenizer.Encode(text);
        if (ids.Length == 0)
            throw new TinyGptException("There is no text to show attention for: give at least one character.");
        var window = ids.Length > model.Config.BlockSize ? ids[^model.Config.BlockSize..] : ids;
        using var scope = NewDisposeScope();
        var device = model.WeightsDevice;
        var idx = tensor(window, dtype: ScalarType.Int64, device: device).unsqueeze(0);   // [1, T]
        var weights = Compute(model, idx).select(1, 0).cpu();                             // [Layers, nh, T, T]
        long layers = weights.shape[0], heads = weights.shape[1], t = weights.shape[2];
        var flat = weights.contiguous().data<float>().ToArray();
        var maps = new float[layers][][,];
        for (var l = 0; l < layers; l++)
        {
            maps[l] = new float[heads][,];
            for (var h = 0; h < heads; h++)
            {
                var map = new float[t, t];
                var offset = (l * heads + h) * t * t;
                for (var i = 0; i < t; i++)
                    for (var j = 0; j < t; j++)
                        map[i, j] = flat[offset + i * t + j];
                maps[l][h] = map;
            }
        }
        return new AttentionMap(window.Select(tokenizer.Decode).ToArray(), maps);
    }
}

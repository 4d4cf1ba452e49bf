using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// A language model that can continue a sequence from a <see cref="KeyValueCache"/>. Every <c>[Gpt]</c>
/// model implements it; <see cref="CachedDecoder"/> drives it.
/// </summary>
public interface ICachedLanguageModel
{
    /// <summary>An empty cache for <paramref name="batchSize"/> sequences, on the model's device, in the attention's precision (float32).</summary>
    KeyValueCache CreateCache(long batchSize);

    /// <summary>
    /// Feeds the new tokens <paramref name="idx"/> <c>[B, T]</c> (positions <c>cache.Length</c> onward, at most
    /// BlockSize in all) and returns the float32 logits of the last one, <c>[B, VocabSize]</c>. Inference only:
    /// no gradients, no dropout.
    /// </summary>
    torch.Tensor forward(torch.Tensor idx, KeyValueCache cache);
}

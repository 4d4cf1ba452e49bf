using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// The walkthrough's baseline: each token's row of a VocabSize × VocabSize table holds the
/// logits of the next token. No context, no attention; it shows what a GPT gains.
/// </summary>
public sealed class BigramLanguageModel : LanguageModel
{
    private readonly Embedding token_embedding_table;

    /// <summary>
    /// A bigram table over <paramref name="vocabSize"/> tokens, ~ N(0, 1) as <c>nn.Embedding</c> initializes it;
    /// <paramref name="blockSize"/> is only the training window. <paramref name="seed"/> seeds
    /// <see cref="LanguageModel.RandomGenerator"/> (null: drawn from torch's default generator).
    /// </summary>
    public BigramLanguageModel(int vocabSize = 65, int blockSize = 8, long? seed = null) : base(nameof(BigramLanguageModel), seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        Config = ConfigFor(vocabSize, blockSize);
        token_embedding_table = nn.Embedding(vocabSize, vocabSize);     // [V, V]
        RegisterComponents();
        using (no_grad())
            token_embedding_table.weight!.normal_(0.0, 1.0, RandomGenerator);   // nn.init.normal_ would ignore the generator
    }

    /// <inheritdoc />
    public override GptConfig Config { get; }

    /// <summary>The config a bigram model over <paramref name="vocabSize"/> tokens has, known before it is built.</summary>
    public static GptConfig ConfigFor(int vocabSize, int blockSize) =>
        new(Layers: 0, Heads: 0, Embd: 0, BlockSize: blockSize, VocabSize: vocabSize, TieWeights: false);

    /// <inheritdoc />
    public override Tensor forward(Tensor idx)
    {
        if (idx.dtype != ScalarType.Int64 || idx.dim() != 2)
            throw new ArgumentException($"{GetName()}.forward: idx must be int64 [B, T]; got {Shapes.Describe(idx)}", nameof(idx));
        return token_embedding_table.forward(idx);                      // [B, T, V]
    }
}

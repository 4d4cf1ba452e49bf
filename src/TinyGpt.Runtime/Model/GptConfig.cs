namespace TinyGpt;

/// <summary>
/// The hyperparameters of a model, as nanoGPT's <c>GPTConfig</c>. A bigram model has no
/// transformer: <see cref="Layers"/>, <see cref="Heads"/> and <see cref="Embd"/> are 0.
/// </summary>
public sealed record GptConfig(
    int Layers,
    int Heads,
    int Embd,
    int BlockSize,
    int VocabSize,
    double Dropout = 0.0,
    bool Bias = false,
    bool TieWeights = true)
{
    /// <summary>Width of one attention head: <c>Embd / Heads</c>.</summary>
    public int HeadSize => Heads == 0 ? 0 : Embd / Heads;

    /// <summary>True for the walkthrough's bigram baseline (no transformer blocks).</summary>
    public bool IsBigram => Layers == 0;
}

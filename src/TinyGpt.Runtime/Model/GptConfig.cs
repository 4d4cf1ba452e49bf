namespace TinyGpt;

/// <summary>
/// The hyperparameters of a model, as nanoGPT's <c>GPTConfig</c>, and the architecture options of
/// <see cref="GptAttribute"/> (each defaulting to nanoGPT's choice). A bigram model has no
/// transformer: <see cref="Layers"/>, <see cref="Heads"/> and <see cref="Embd"/> are 0.
/// </summary>
/// <remarks>
/// <see cref="KvHeads"/> 0 means <see cref="Heads"/>, <see cref="MlpHidden"/> 0 means 4·<see cref="Embd"/>
/// and <see cref="QkvBias"/> null means <see cref="Bias"/>: the properties hold the resolved values, so
/// two configs of one architecture are equal however they were written.
/// </remarks>
public sealed record GptConfig(
    int Layers,
    int Heads,
    int Embd,
    int BlockSize,
    int VocabSize,
    double Dropout = 0.0,
    bool Bias = false,
    bool TieWeights = true,
    Activation Activation = Activation.Gelu,
    Norm Norm = Norm.LayerNorm,
    bool NormWeights = true,
    Positions Positions = Positions.Learned,
    double RopeBase = 10000,
    int KvHeads = 0,
    bool QkNorm = false,
    bool EmbeddingNorm = false,
    double LogitSoftcap = 0,
    bool? QkvBias = null,
    bool LmHeadBias = false,
    int MlpHidden = 0)
{
    // The three options that follow another property are stored as written and resolved when read, so a
    // `with { Heads = … }` copy follows the new value; equality compares the resolved values.
    private readonly int kvHeads = KvHeads;
    private readonly int mlpHidden = MlpHidden;
    private readonly bool? qkvBias = QkvBias;

    /// <summary>Key/value heads of the attention (grouped-query attention when fewer than <see cref="Heads"/>).</summary>
    public int KvHeads { get => kvHeads == 0 ? Heads : kvHeads; init => kvHeads = value; }

    /// <summary>Width of the MLP's hidden layer.</summary>
    public int MlpHidden { get => mlpHidden == 0 ? 4 * Embd : mlpHidden; init => mlpHidden = value; }

    /// <summary>Whether the fused q/k/v projection <c>c_attn</c> has a bias (never null when read).</summary>
    public bool? QkvBias { get => qkvBias ?? Bias; init => qkvBias = value; }

    /// <summary>Equal when every hyperparameter and option, resolved, is equal.</summary>
    public bool Equals(GptConfig? other) => other is not null && Resolved.Equals(other.Resolved);

    /// <inheritdoc/>
    public override int GetHashCode() => Resolved.GetHashCode();

    private (int, int, int, int, int, double, bool, bool, (Activation, Norm, bool, Positions, double, int, bool),
        (bool, double, bool?, bool, int)) Resolved =>
        (Layers, Heads, Embd, BlockSize, VocabSize, Dropout, Bias, TieWeights,
            (Activation, Norm, NormWeights, Positions, RopeBase, KvHeads, QkNorm),
            (EmbeddingNorm, LogitSoftcap, QkvBias, LmHeadBias, MlpHidden));

    /// <summary>Width of one attention head: <c>Embd / Heads</c>.</summary>
    public int HeadSize => Heads == 0 ? 0 : Embd / Heads;

    /// <summary>True for the walkthrough's bigram baseline (no transformer blocks).</summary>
    public bool IsBigram => Layers == 0;

    /// <summary>
    /// True for the lecture's <c>gpt.py</c> family (<see cref="Activation.Relu"/> with learned positions): no
    /// dropout on the embeddings and every weight initialized N(0, 0.02), where nanoGPT scales the residual projections.
    /// </summary>
    public bool IsLectureFamily => Activation == Activation.Relu && Positions == Positions.Learned;
}

namespace TinyGpt;

/// <summary>
/// Turns a <c>partial class</c> into a GPT. By default it has nanoGPT's architecture (<c>model.py</c>):
/// token and position embeddings, <see cref="Layers"/> pre-LayerNorm blocks of causal
/// self-attention and a 4x GELU MLP, a final LayerNorm and a language-model head. The options
/// (<see cref="Activation"/>, <see cref="Norm"/>, <see cref="Positions"/>, <see cref="KvHeads"/>, …) compose
/// the lecture's <c>gpt.py</c>, nanochat's modern block and Llama's SwiGLU MLP from the same parts, with
/// nanoGPT's parameter names throughout. The TinyGpt source generator writes the module at compile time
/// and reports an error (TGPT0xx) for every architecture that cannot exist.
/// </summary>
/// <example>
/// <code>
/// [Gpt(Layers = 4, Heads = 4, Embd = 128, BlockSize = 64)]
/// public partial class BabyGpt;
///
/// // the lecture's gpt.py
/// [Gpt(Layers = 6, Heads = 6, Embd = 384, BlockSize = 256, Dropout = 0.2, Activation = Activation.Relu,
///     Bias = true, QkvBias = false, LmHeadBias = true, TieWeights = false)]
/// public partial class LectureGpt;
///
/// // nanochat's block
/// [Gpt(Layers = 4, Heads = 4, KvHeads = 2, Embd = 128, BlockSize = 64, Positions = Positions.Rotary,
///     Norm = Norm.RmsNorm, NormWeights = false, QkNorm = true, EmbeddingNorm = true,
///     Activation = Activation.ReluSquared, LogitSoftcap = 15, TieWeights = false)]
/// public partial class ModernGpt;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class GptAttribute : Attribute
{
    /// <summary>Number of transformer blocks (nanoGPT's <c>n_layer</c>). Required, at least 1.</summary>
    public int Layers { get; set; }

    /// <summary>Attention heads per block (<c>n_head</c>). Required, at least 1, and must divide <see cref="Embd"/>.</summary>
    public int Heads { get; set; }

    /// <summary>Width of the residual stream (<c>n_embd</c>). Required, at least 1.</summary>
    public int Embd { get; set; }

    /// <summary>Longest context the model reads, in tokens (<c>block_size</c>). Default 256.</summary>
    public int BlockSize { get; set; } = 256;

    /// <summary>Number of distinct tokens (<c>vocab_size</c>). Default 65, Tiny Shakespeare's characters.</summary>
    public int VocabSize { get; set; } = 65;

    /// <summary>Dropout probability while training, in [0, 1). Default 0.</summary>
    public double Dropout { get; set; }

    /// <summary>Biases in every Linear and LayerNorm, as nanoGPT's <c>bias</c>. Default false.</summary>
    public bool Bias { get; set; }

    /// <summary>Share one matrix between the token embedding and the LM head (<c>lm_head.weight = wte.weight</c>). Default true.</summary>
    public bool TieWeights { get; set; } = true;

    /// <summary>
    /// The number format the model computes in. Default <see cref="TinyGpt.Precision.Float32"/>;
    /// <see cref="TinyGpt.Precision.BFloat16"/> runs every Linear layer's matmul in bfloat16 while the weights,
    /// LayerNorms, attention and the loss stay float32 (see <see cref="TinyGpt.Precision"/>).
    /// </summary>
    public Precision Precision { get; set; } = Precision.Float32;

    /// <summary>
    /// The MLP's nonlinearity: <see cref="TinyGpt.Activation.Gelu"/> (nanoGPT, the default), <see cref="TinyGpt.Activation.Relu"/>
    /// (the lecture), <see cref="TinyGpt.Activation.ReluSquared"/> (nanochat) or <see cref="TinyGpt.Activation.SwiGlu"/> (Llama).
    /// A model with <c>Relu</c> and learned positions is the lecture's: no dropout on the embeddings, and every
    /// weight initialized N(0, 0.02) (nanoGPT scales the residual projections by 1/√(2·Layers)).
    /// </summary>
    public Activation Activation { get; set; } = Activation.Gelu;

    /// <summary>The normalization: <see cref="TinyGpt.Norm.LayerNorm"/> (eps 1e-5, the default) or <see cref="TinyGpt.Norm.RmsNorm"/>.</summary>
    public Norm Norm { get; set; } = Norm.LayerNorm;

    /// <summary>
    /// Whether the norms have learned parameters. Default true; false gives parameter-free norms, as nanochat
    /// (a LayerNorm then has neither weight nor bias).
    /// </summary>
    public bool NormWeights { get; set; } = true;

    /// <summary>Learned position embeddings <c>transformer.wpe</c> (the default) or rotary ones on q and k.</summary>
    public Positions Positions { get; set; } = Positions.Learned;

    /// <summary>The rotary base: position p turns the pair i of every head by p · RopeBase^(−2i/HeadSize). Default 10000.</summary>
    public double RopeBase { get; set; } = 10000;

    /// <summary>
    /// Key/value heads for grouped-query attention; must divide <see cref="Heads"/>. Query head h reads key/value
    /// head h / (Heads / KvHeads). Not set: <see cref="Heads"/> (ordinary multi-head attention).
    /// </summary>
    public int KvHeads { get => kvHeads ?? Heads; set => kvHeads = value; }

    /// <summary>Whether q and k go through the model's norm per head, after the rotary embedding (nanochat). Default false.</summary>
    public bool QkNorm { get; set; }

    /// <summary>Whether the token embedding goes through the model's norm before the first block (nanochat). Default false.</summary>
    public bool EmbeddingNorm { get; set; }

    /// <summary>
    /// When c &gt; 0, the logits become c · tanh(logits / c) (nanochat: 15). Default 0: no softcap.
    /// </summary>
    public double LogitSoftcap { get; set; }

    /// <summary>Whether the fused q/k/v projection <c>c_attn</c> has a bias. Not set: <see cref="Bias"/>.</summary>
    public bool QkvBias { get => qkvBias ?? Bias; set => qkvBias = value; }

    /// <summary>Whether <c>lm_head</c> has a bias (the lecture's has). Default false.</summary>
    public bool LmHeadBias { get; set; }

    /// <summary>Width of the MLP's hidden layer (for SwiGlu, of each of its two input projections). Not set: 4·<see cref="Embd"/>.</summary>
    public int MlpHidden { get => mlpHidden ?? 4 * Embd; set => mlpHidden = value; }

    private int? kvHeads;
    private bool? qkvBias;
    private int? mlpHidden;
}

namespace TinyGpt;

/// <summary>
/// Turns a <c>partial class</c> into a GPT with nanoGPT's architecture (<c>model.py</c>):
/// token and position embeddings, <see cref="Layers"/> pre-LayerNorm blocks of causal
/// self-attention and a 4x GELU MLP, a final LayerNorm and a language-model head.
/// The TinyGpt source generator writes the module at compile time and reports an
/// error (TGPT0xx) for every architecture that cannot exist.
/// </summary>
/// <example>
/// <code>
/// [Gpt(Layers = 4, Heads = 4, Embd = 128, BlockSize = 64)]
/// public partial class BabyGpt;
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
}

namespace TinyGpt;

/// <summary>
/// The number format a generated model computes in. Parameters (the master weights the optimizer
/// updates) are float32 either way; only the arithmetic of the forward and backward passes changes.
/// Set it with <see cref="GptAttribute.Precision"/>.
/// </summary>
public enum Precision
{
    /// <summary>Everything in float32, as nanoGPT on a CPU. The default.</summary>
    Float32 = 0,

    /// <summary>
    /// Mixed precision without autocast: every Linear layer (the matmuls, most of the work) runs in
    /// bfloat16 on bfloat16 copies of the float32 weights, made in each forward pass; embeddings, the
    /// residual stream, LayerNorms, the attention and the loss stay float32, and the logits are returned
    /// as float32. The attention stays float32 because libtorch's CPU attention kernels are slower in
    /// bfloat16 than in float32. It pays off on CPUs with native bfloat16 matmuls (AVX-512 BF16, AMX);
    /// elsewhere it can be slower.
    /// </summary>
    BFloat16 = 1,
}

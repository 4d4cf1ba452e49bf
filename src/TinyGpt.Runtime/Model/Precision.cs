namespace TinyGpt;

/// <summary>
/// The number format a generated model computes in. Parameters (the master weights the optimizer
/// updates) are float32 either way; only the arithmetic of the forward and backward passes changes.
/// <see cref="GptAttribute.Precision"/> sets a model's default (<see cref="Float32"/> or <see cref="BFloat16"/>);
/// <see cref="LanguageModel.ComputePrecision"/> and <see cref="TrainingOptions.Precision"/> change it at run time,
/// where <see cref="Auto"/> lets the hardware decide.
/// </summary>
public enum Precision
{
    /// <summary>Everything in float32, as nanoGPT on a CPU. The attribute's default.</summary>
    Float32 = 0,

    /// <summary>
    /// Mixed precision without autocast: every Linear layer (the matmuls, most of the work) runs in
    /// bfloat16 on bfloat16 copies of the float32 weights, made in each forward pass, and so does the
    /// attention while training; embeddings, the residual stream, LayerNorms, the loss and the fused
    /// attention of eval mode and sampling stay float32, and the logits are returned as float32. It pays
    /// off on CPUs whose native bfloat16 dot products (AVX-512 BF16, AMX) libtorch runs fast; elsewhere it can be
    /// slower, even with the flag (see <see cref="BFloat16Support"/>).
    /// </summary>
    BFloat16 = 1,

    /// <summary>
    /// A run-time choice, not an attribute value: <see cref="BFloat16"/> where the device computes
    /// bfloat16 dot products natively and a bfloat16 matmul measures faster there, <see cref="Float32"/>
    /// elsewhere (see <see cref="BFloat16Support"/>).
    /// </summary>
    Auto = 2,
}

namespace TinyGpt;

/// <summary>The normalization of a generated model. Set it with <see cref="GptAttribute.Norm"/>.</summary>
public enum Norm
{
    /// <summary>LayerNorm over the last dimension, eps 1e-5, as nanoGPT and the lecture. The default.</summary>
    LayerNorm = 0,

    /// <summary>
    /// RMSNorm, <c>x · rsqrt(mean(x²) + eps)</c> with eps the float32 machine epsilon (the default of
    /// PyTorch's <c>F.rms_norm</c>), as nanochat. It has a weight at most, never a bias.
    /// </summary>
    RmsNorm = 1,
}

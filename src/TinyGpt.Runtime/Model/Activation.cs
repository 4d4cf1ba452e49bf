namespace TinyGpt;

/// <summary>
/// The nonlinearity of a generated model's MLP. Set it with <see cref="GptAttribute.Activation"/>.
/// </summary>
public enum Activation
{
    /// <summary>GELU in its exact erf form, as nanoGPT's <c>nn.GELU()</c>. The default.</summary>
    Gelu = 0,

    /// <summary><c>relu(x)</c>, as the lecture's <c>gpt.py</c> (karpathy/ng-video-lecture).</summary>
    Relu = 1,

    /// <summary><c>relu(x)²</c>, as nanochat's MLP.</summary>
    ReluSquared = 2,

    /// <summary>
    /// Llama's gated MLP: <c>c_proj(silu(c_fc(x)) · c_up(x))</c>, where <c>c_fc</c> is W₁ (the gate),
    /// <c>c_up</c> is W₃ and <c>c_proj</c> is W₂.
    /// </summary>
    SwiGlu = 3,
}

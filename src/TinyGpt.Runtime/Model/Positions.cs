namespace TinyGpt;

/// <summary>How a generated model knows where a token is. Set it with <see cref="GptAttribute.Positions"/>.</summary>
public enum Positions
{
    /// <summary>A learned position embedding <c>transformer.wpe</c> added to the token embedding, as nanoGPT. The default.</summary>
    Learned = 0,

    /// <summary>
    /// Rotary position embedding (RoPE) on the queries and keys of every attention layer, as nanochat:
    /// no <c>wpe</c>; each head's halves <c>x₁ = x[..., :hs/2]</c>, <c>x₂ = x[..., hs/2:]</c> become
    /// <c>x₁·cos + x₂·sin</c> and <c>−x₁·sin + x₂·cos</c>, at angle position · RopeBase^(−2i/hs).
    /// </summary>
    Rotary = 1,
}

namespace TinyGpt.Interop;

/// <summary>
/// The tensors of nanoGPT's <c>GPT.state_dict()</c> for a configuration: names and shapes, in
/// nanoGPT's order, without the causal-mask buffers that old PyTorch versions add.
/// </summary>
public static class NanoGptLayout
{
    /// <summary>The name of the token embedding, which a tied model shares with <see cref="LmHead"/>.</summary>
    public const string TokenEmbedding = "transformer.wte.weight";

    /// <summary>The name of the language-model head's weight.</summary>
    public const string LmHead = "lm_head.weight";

    /// <summary>Prefix <c>torch.compile</c> puts before every key of the module it wraps.</summary>
    public const string CompilePrefix = "_orig_mod.";

    /// <summary>
    /// Name → shape for <paramref name="config"/>; both tied names are listed. The architecture options keep
    /// nanoGPT's names: one fused <c>attn.c_attn</c> of <c>[(Heads + 2·KvHeads)·HeadSize, Embd]</c> (rows: q heads,
    /// then k heads, then v heads), no <c>wpe</c> with rotary positions, no tensors for parameter-free norms,
    /// <c>attn.q_norm</c>/<c>attn.k_norm</c> with QK-norm weights, <c>transformer.ln_emb</c> for the embedding norm,
    /// <c>mlp.c_up</c> (W₃) for SwiGLU and <c>lm_head.bias</c> only with <see cref="GptConfig.LmHeadBias"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">The bigram baseline, which nanoGPT has no counterpart for.</exception>
    public static IReadOnlyList<(string Name, long[] Shape)> For(GptConfig config)
    {
        if (config.IsBigram)
            throw new NotSupportedException("the bigram baseline has no nanoGPT counterpart; only [Gpt] models move to and from nanoGPT");
        long c = config.Embd, hs = config.HeadSize, hidden = config.MlpHidden;
        var list = new List<(string, long[])> { (TokenEmbedding, [config.VocabSize, c]) };
        if (config.Positions == Positions.Learned)
            list.Add(("transformer.wpe.weight", [config.BlockSize, c]));
        void Norm(string prefix, long width)
        {
            if (!config.NormWeights) return;
            list.Add((prefix + ".weight", [width]));
            if (config.Bias && config.Norm == TinyGpt.Norm.LayerNorm) list.Add((prefix + ".bias", [width]));
        }
        void Linear(string prefix, long outFeatures, long inFeatures, bool bias)
        {
            list.Add((prefix + ".weight", [outFeatures, inFeatures]));
            if (bias) list.Add((prefix + ".bias", [outFeatures]));
        }
        if (config.EmbeddingNorm)
            Norm("transformer.ln_emb", c);
        for (var i = 0; i < config.Layers; i++)
        {
            var h = $"transformer.h.{i}";
            Norm($"{h}.ln_1", c);
            Linear($"{h}.attn.c_attn", (config.Heads + 2L * config.KvHeads) * hs, c, config.QkvBias ?? config.Bias);
            if (config.QkNorm)
            {
                Norm($"{h}.attn.q_norm", hs);
                Norm($"{h}.attn.k_norm", hs);
            }
            Linear($"{h}.attn.c_proj", c, c, config.Bias);
            Norm($"{h}.ln_2", c);
            Linear($"{h}.mlp.c_fc", hidden, c, config.Bias);
            if (config.Activation == Activation.SwiGlu)
                Linear($"{h}.mlp.c_up", hidden, c, config.Bias);
            Linear($"{h}.mlp.c_proj", c, hidden, config.Bias);
        }
        Norm("transformer.ln_f", c);
        Linear("lm_head", config.VocabSize, c, config.LmHeadBias);
        return list;
    }

    /// <summary>
    /// True for the <c>[1, 1, T, T]</c> causal mask nanoGPT registers as <c>attn.bias</c> when it
    /// runs on PyTorch without flash attention (older than 2.0); its checkpoints then carry it.
    /// </summary>
    public static bool IsCausalMaskBuffer(string name, long[] shape) =>
        name.EndsWith(".attn.bias", StringComparison.Ordinal)
        && shape.Length == 4 && shape[0] == 1 && shape[1] == 1 && shape[2] == shape[3];

    /// <summary>A shape as <c>[64, 128]</c>.</summary>
    public static string Format(long[] shape) => $"[{string.Join(", ", shape)}]";
}

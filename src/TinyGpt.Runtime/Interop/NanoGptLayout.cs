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

    /// <summary>Name → shape for <paramref name="config"/>; both tied names are listed.</summary>
    /// <exception cref="NotSupportedException">The bigram baseline, which nanoGPT has no counterpart for.</exception>
    public static IReadOnlyList<(string Name, long[] Shape)> For(GptConfig config)
    {
        if (config.IsBigram)
            throw new NotSupportedException("the bigram baseline has no nanoGPT counterpart; only [Gpt] models move to and from nanoGPT");
        long c = config.Embd;
        var list = new List<(string, long[])>
        {
            (TokenEmbedding, [config.VocabSize, c]),
            ("transformer.wpe.weight", [config.BlockSize, c]),
        };
        void Norm(string prefix)
        {
            list.Add((prefix + ".weight", [c]));
            if (config.Bias) list.Add((prefix + ".bias", [c]));
        }
        void Linear(string prefix, long outFeatures, long inFeatures)
        {
            list.Add((prefix + ".weight", [outFeatures, inFeatures]));
            if (config.Bias) list.Add((prefix + ".bias", [outFeatures]));
        }
        for (var i = 0; i < config.Layers; i++)
        {
            var h = $"transformer.h.{i}";
            Norm($"{h}.ln_1");
            Linear($"{h}.attn.c_attn", 3 * c, c);
            Linear($"{h}.attn.c_proj", c, c);
            Norm($"{h}.ln_2");
            Linear($"{h}.mlp.c_fc", 4 * c, c);
            Linear($"{h}.mlp.c_proj", c, 4 * c);
        }
        Norm("transformer.ln_f");
        list.Add((LmHead, [config.VocabSize, c]));
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

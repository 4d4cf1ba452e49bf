namespace TinyGpt.Interop;

/// <summary>Whose parameter names a state dict uses.</summary>
public enum StateDictLayout
{
    /// <summary>nanoGPT's <c>model.py</c>, TinyGpt's own names: <c>transformer.h.{i}.attn.c_attn</c>, ….</summary>
    NanoGpt = 0,

    /// <summary>
    /// The lecture's <c>gpt.py</c> (karpathy/ng-video-lecture): <c>token_embedding_table</c>, <c>position_embedding_table</c>,
    /// <c>blocks.{i}.sa.heads.{h}.{key,query,value}</c>, <c>sa.proj</c>, <c>ffwd.net.0</c>, <c>ffwd.net.2</c>, <c>ln1</c>,
    /// <c>ln2</c>, <c>ln_f</c>, <c>lm_head</c>, and a <c>tril</c> buffer per head.
    /// </summary>
    Lecture = 1,

    /// <summary>nanochat's <c>gpt.py</c>: nanoGPT's names, but separate <c>attn.c_q</c>, <c>attn.c_k</c>, <c>attn.c_v</c>.</summary>
    Nanochat = 2,
}

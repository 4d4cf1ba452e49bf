namespace TinyGpt.App.Models;

/// <summary>The walkthrough's small GPT: trains on two CPU cores in about two minutes.</summary>
[Gpt(Layers = 4, Heads = 4, Embd = 128, BlockSize = 64)]
public partial class BabyGpt;

/// <summary>nanoGPT's <c>shakespeare_char</c> configuration, meant for a GPU.</summary>
[Gpt(Layers = 6, Heads = 6, Embd = 384, BlockSize = 256, Dropout = 0.2)]
public partial class ShakespeareGpt;

/// <summary>
/// The lecture's own model (karpathy/ng-video-lecture, <c>gpt.py</c>): 6/6/384, context 256, dropout 0.2, ReLU MLP,
/// biases on every Linear but q/k/v, a bias on <c>lm_head</c>, untied, no embedding dropout; 10,788,929 parameters.
/// </summary>
[Gpt(Layers = 6, Heads = 6, Embd = 384, BlockSize = 256, Dropout = 0.2, Activation = Activation.Relu,
    Bias = true, QkvBias = false, LmHeadBias = true, TieWeights = false)]
public partial class LectureGpt;

/// <summary>
/// nanochat's modern block at baby's size: rotary positions, QK-norm, relu², parameter-free RMSNorm (also after the
/// embedding), 2 key/value heads for 4 query heads, logit softcap 15, untied.
/// </summary>
[Gpt(Layers = 4, Heads = 4, KvHeads = 2, Embd = 128, BlockSize = 64, Positions = Positions.Rotary,
    Norm = Norm.RmsNorm, NormWeights = false, QkNorm = true, EmbeddingNorm = true,
    Activation = Activation.ReluSquared, LogitSoftcap = 15, TieWeights = false)]
public partial class ModernGpt;

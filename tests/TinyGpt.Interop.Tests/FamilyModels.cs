using Xunit;

namespace TinyGpt.Interop.Tests;

/// <summary>The lecture's gpt.py at its own size: 10,788,929 parameters.</summary>
[Gpt(Layers = 6, Heads = 6, Embd = 384, BlockSize = 256, Dropout = 0.2, Activation = Activation.Relu,
    Bias = true, QkvBias = false, LmHeadBias = true, TieWeights = false)]
public partial class LectureGpt;

/// <summary>The lecture's model at odd sizes: 5 heads of 16, a vocabulary of 67.</summary>
[Gpt(Layers = 3, Heads = 5, Embd = 80, BlockSize = 24, VocabSize = 67, Dropout = 0.2, Activation = Activation.Relu,
    Bias = true, QkvBias = false, LmHeadBias = true, TieWeights = false)]
public partial class LectureOddGpt;

/// <summary>nanochat's block at baby's size (the CLI's <c>modern</c>).</summary>
[Gpt(Layers = 4, Heads = 4, KvHeads = 2, Embd = 128, BlockSize = 64, Positions = Positions.Rotary,
    Norm = Norm.RmsNorm, NormWeights = false, QkNorm = true, EmbeddingNorm = true,
    Activation = Activation.ReluSquared, LogitSoftcap = 15, TieWeights = false)]
public partial class ModernGpt;

/// <summary>nanochat at odd sizes: 6 query heads of 6 over 3 key/value heads, a vocabulary of 67.</summary>
[Gpt(Layers = 3, Heads = 6, KvHeads = 3, Embd = 36, BlockSize = 20, VocabSize = 67, Positions = Positions.Rotary,
    Norm = Norm.RmsNorm, NormWeights = false, QkNorm = true, EmbeddingNorm = true,
    Activation = Activation.ReluSquared, LogitSoftcap = 15, TieWeights = false)]
public partial class NanochatOddGpt;

/// <summary>nanochat with multi-query attention: one key/value head for 4 query heads.</summary>
[Gpt(Layers = 2, Heads = 4, KvHeads = 1, Embd = 24, BlockSize = 10, VocabSize = 13, Positions = Positions.Rotary,
    Norm = Norm.RmsNorm, NormWeights = false, QkNorm = true, EmbeddingNorm = true,
    Activation = Activation.ReluSquared, LogitSoftcap = 15, TieWeights = false)]
public partial class NanochatMqaGpt;

/// <summary>SwiGLU with RMSNorm weights, Linear biases and grouped-query attention at odd sizes.</summary>
[Gpt(Layers = 2, Heads = 6, KvHeads = 2, Embd = 48, BlockSize = 16, VocabSize = 67, Activation = Activation.SwiGlu,
    MlpHidden = 100, Norm = Norm.RmsNorm, Bias = true, TieWeights = false)]
public partial class SwiGluGpt;

/// <summary>SwiGLU with LayerNorm, tied weights and 3 heads of 10.</summary>
[Gpt(Layers = 3, Heads = 3, Embd = 30, BlockSize = 12, VocabSize = 29, Activation = Activation.SwiGlu, MlpHidden = 77)]
public partial class SwiGluTiedGpt;

/// <summary>The family's parity models: name → (upstream reference in reference_family.py, factory).</summary>
static class FamilyModels
{
    public static readonly IReadOnlyDictionary<string, (string Arch, Func<LanguageModel> Create, long Parameters)> All =
        new Dictionary<string, (string, Func<LanguageModel>, long)>
        {
            ["lecture"] = ("lecture", () => new LectureGpt(), LectureGpt.ParameterCount),
            ["lecture-odd"] = ("lecture", () => new LectureOddGpt(), LectureOddGpt.ParameterCount),
            ["modern"] = ("nanochat", () => new ModernGpt(), ModernGpt.ParameterCount),
            ["nanochat-odd"] = ("nanochat", () => new NanochatOddGpt(), NanochatOddGpt.ParameterCount),
            ["nanochat-mqa"] = ("nanochat", () => new NanochatMqaGpt(), NanochatMqaGpt.ParameterCount),
            ["swiglu"] = ("swiglu", () => new SwiGluGpt(), SwiGluGpt.ParameterCount),
            ["swiglu-tied"] = ("swiglu", () => new SwiGluTiedGpt(), SwiGluTiedGpt.ParameterCount),
        };

    public static TheoryData<string> Names => new(All.Keys);
}

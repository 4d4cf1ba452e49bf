using Xunit;

namespace TinyGpt.Interop.Tests;

/// <summary>nanoGPT's baby config on Tiny Shakespeare's 65 characters.</summary>
[Gpt(Layers = 4, Heads = 4, Embd = 128, BlockSize = 64)]
public partial class BabyGpt;

/// <summary>Biases in every Linear and LayerNorm, and an lm_head of its own.</summary>
[Gpt(Layers = 2, Heads = 4, Embd = 64, BlockSize = 32, Bias = true, TieWeights = false)]
public partial class BiasedUntiedGpt;

/// <summary>Dropout only acts in training: in eval mode the logits must match exactly.</summary>
[Gpt(Layers = 2, Heads = 2, Embd = 32, BlockSize = 32, Dropout = 0.2)]
public partial class DropoutGpt;

/// <summary>Sizes that are no powers of two: 5 heads of 16, a vocabulary of 67.</summary>
[Gpt(Layers = 2, Heads = 5, Embd = 80, BlockSize = 24, VocabSize = 67, Bias = true)]
public partial class OddGpt;

/// <summary>The architectures the parity tests hold TinyGpt to, each with a way to build it.</summary>
static class ParityModels
{
    public static readonly IReadOnlyDictionary<string, Func<LanguageModel>> All = new Dictionary<string, Func<LanguageModel>>
    {
        ["baby"] = () => new BabyGpt(),
        ["bias-untied"] = () => new BiasedUntiedGpt(),
        ["dropout"] = () => new DropoutGpt(),
        ["odd"] = () => new OddGpt(),
    };

    public static TheoryData<string> Names => new(All.Keys);
}

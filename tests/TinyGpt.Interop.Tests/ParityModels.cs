using Xunit;

namespace TinyGpt.Interop.Tests;

/// <summary>The architectures the parity tests hold TinyGpt to, each with a way to build it.</summary>
static class ParityModels
{
    public static readonly IReadOnlyDictionary<string, Func<LanguageModel>> All = new Dictionary<string, Func<LanguageModel>>
    {
        // nanoGPT's baby config on Tiny Shakespeare's 65 characters.
        ["baby"] = () => new LayoutModel(new GptConfig(4, 4, 128, 64, 65), seed: 11),
        // Biases everywhere and a separate lm_head.
        ["bias-untied"] = () => new LayoutModel(new GptConfig(2, 4, 64, 32, 65, Bias: true, TieWeights: false), seed: 12),
        // Dropout only acts in training: eval mode must match exactly.
        ["dropout"] = () => new LayoutModel(new GptConfig(2, 2, 32, 32, 65, Dropout: 0.2), seed: 13),
        // Sizes that are no powers of two: 5 heads of 16, vocabulary 67.
        ["odd"] = () => new LayoutModel(new GptConfig(2, 5, 80, 24, 67, Bias: true), seed: 14),
    };

    public static TheoryData<string> Names => new(All.Keys);
}

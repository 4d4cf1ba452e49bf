using Xunit;

namespace TinyGpt.Onnx.Tests;

/// <summary>
/// The claim that every architecture option exports is only as good as the models the other tests export:
/// each option, and each value of each enum option, must appear in at least one of <see cref="OnnxModels"/>.
/// </summary>
public sealed class OptionCoverageTests
{
    static readonly GptConfig[] Configs = OnnxModels.All.Values.Select(create =>
    {
        using var model = create();
        return model.Config;
    }).Where(c => !c.IsBigram).ToArray();

    public static TheoryData<string> Options => new(Covers.Keys);

    static readonly Dictionary<string, Func<GptConfig, bool>> Covers = new()
    {
        ["Bias"] = c => c.Bias,
        ["TieWeights = false"] = c => !c.TieWeights,
        ["Dropout"] = c => c.Dropout > 0,
        ["Activation.Gelu"] = c => c.Activation == Activation.Gelu,
        ["Activation.Relu"] = c => c.Activation == Activation.Relu,
        ["Activation.ReluSquared"] = c => c.Activation == Activation.ReluSquared,
        ["Activation.SwiGlu"] = c => c.Activation == Activation.SwiGlu,
        ["Norm.LayerNorm with weights and biases"] = c => c.Norm == Norm.LayerNorm && c.NormWeights && c.Bias,
        ["Norm.LayerNorm, NormWeights = false"] = c => c.Norm == Norm.LayerNorm && !c.NormWeights,
        ["Norm.RmsNorm with weights"] = c => c.Norm == Norm.RmsNorm && c.NormWeights,
        ["Norm.RmsNorm, NormWeights = false"] = c => c.Norm == Norm.RmsNorm && !c.NormWeights,
        ["Positions.Learned"] = c => c.Positions == Positions.Learned,
        ["Positions.Rotary"] = c => c.Positions == Positions.Rotary,
        ["RopeBase other than 10000"] = c => c.Positions == Positions.Rotary && c.RopeBase != 10000,
        ["KvHeads between 1 and Heads"] = c => c.KvHeads > 1 && c.KvHeads < c.Heads,
        ["KvHeads = 1"] = c => c.KvHeads == 1 && c.Heads > 1,
        ["KvHeads with learned positions"] = c => c.KvHeads < c.Heads && c.Positions == Positions.Learned,
        ["QkNorm with LayerNorm weights"] = c => c.QkNorm && c.Norm == Norm.LayerNorm && c.NormWeights,
        ["QkNorm with RmsNorm weights"] = c => c.QkNorm && c.Norm == Norm.RmsNorm && c.NormWeights,
        ["QkNorm without weights"] = c => c.QkNorm && !c.NormWeights,
        ["EmbeddingNorm"] = c => c.EmbeddingNorm,
        ["EmbeddingNorm with learned positions"] = c => c.EmbeddingNorm && c.Positions == Positions.Learned,
        ["LogitSoftcap"] = c => c.LogitSoftcap > 0,
        ["QkvBias = false with Bias"] = c => c.Bias && c.QkvBias == false,
        ["QkvBias without Bias"] = c => !c.Bias && c.QkvBias == true,
        ["LmHeadBias"] = c => c.LmHeadBias,
        ["MlpHidden other than 4·Embd"] = c => c.MlpHidden != 4 * c.Embd,
        ["VocabSize beyond the vocabulary"] = c => c.VocabSize > 65,
        ["Heads not a power of two"] = c => (c.Heads & (c.Heads - 1)) != 0,
    };

    [Theory]
    [MemberData(nameof(Options))]
    public void Some_exported_model_sets(string option) =>
        Assert.True(Configs.Any(Covers[option]), $"no model in OnnxModels has {option}; add one so the export of it is tested");

    [Fact]
    public void The_option_list_names_every_enum_value()
    {
        foreach (var value in Enum.GetNames<Activation>())
            Assert.Contains($"Activation.{value}", Covers.Keys);
        foreach (var value in Enum.GetNames<Positions>())
            Assert.Contains($"Positions.{value}", Covers.Keys);
        foreach (var value in Enum.GetNames<Norm>())
            Assert.Contains(Covers.Keys, k => k.StartsWith($"Norm.{value}", StringComparison.Ordinal));
    }
}

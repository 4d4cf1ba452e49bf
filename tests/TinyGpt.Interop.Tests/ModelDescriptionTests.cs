using Xunit;

namespace TinyGpt.Interop.Tests;

/// <summary>
/// Messages that describe a model name every option that differs from its default, so that a mismatch in an option
/// beyond nanoGPT's fields (KvHeads, Positions, Activation, …) is named, not hidden behind equal-looking sizes.
/// </summary>
public sealed class ModelDescriptionTests : IDisposable
{
    static readonly GptConfig Plain = new(Layers: 2, Heads: 4, Embd: 16, BlockSize: 8, VocabSize: 11);

    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void A_model_is_described_by_nanoGPTs_fields_and_its_options_that_differ_from_the_defaults()
    {
        using var modern = new ModernGpt();
        Assert.Equal("ModernGpt (Layers = 4, Heads = 4, Embd = 128, BlockSize = 64, VocabSize = 65, Bias = false, TieWeights = false, " +
                     "Activation = ReluSquared, Norm = RmsNorm, NormWeights = false, Positions = Rotary, KvHeads = 2, QkNorm = true, " +
                     "EmbeddingNorm = true, LogitSoftcap = 15)", NanoGptImport.Describe(modern));
        using var lecture = new LectureOddGpt();
        Assert.Equal("LectureOddGpt (Layers = 3, Heads = 5, Embd = 80, BlockSize = 24, VocabSize = 67, Dropout = 0.2, Bias = true, " +
                     "TieWeights = false, Activation = Relu, QkvBias = false, LmHeadBias = true)", NanoGptImport.Describe(lecture));
        using var plain = new LayoutModel(Plain);
        Assert.Equal("LayoutModel (Layers = 2, Heads = 4, Embd = 16, BlockSize = 8, VocabSize = 11, Bias = false, TieWeights = true)",
            NanoGptImport.Describe(plain));
    }

    [Fact]
    public void Importing_grouped_query_weights_into_full_attention_names_KvHeads()
    {
        using var source = new LayoutModel(Plain with { KvHeads = 2 }, seed: 1);
        StateDictFile.Save(source.state_dict(), temp["gqa.safetensors"], WeightFormat.Safetensors);    // no JSON beside it
        using var model = new LayoutModel(Plain, seed: 2);

        var error = Assert.Throws<StateDictMismatchException>(() => NanoGptImport.LoadInto(model, temp["gqa.safetensors"]));

        Assert.Contains("transformer.h.0.attn.c_attn.weight: model [48, 16], file [32, 16]", error.Message);
        Assert.Contains("The file's shapes describe Layers = 2, Embd = 16, BlockSize = 8, VocabSize = 11, Bias = false, " +
                        "KvHeads = 2 (if Heads = 4)", error.Message);
    }

    [Fact]
    public void Importing_rotary_weights_into_a_learned_positions_model_names_Positions_and_the_JSONs_options()
    {
        using var source = new LayoutModel(Plain with { Positions = Positions.Rotary, KvHeads = 1 }, seed: 1);
        var written = NanoGptExport.Write(source, "abc", temp["rotary.pt"]);
        using var model = new LayoutModel(Plain, seed: 2);

        var error = Assert.Throws<StateDictMismatchException>(() => NanoGptImport.LoadInto(model, written.Weights));

        Assert.Contains("missing      transformer.wpe.weight [8, 16]", error.Message);
        Assert.Contains("Positions = Rotary", error.Message.Split(Environment.NewLine).Single(l => l.StartsWith("The file's shapes")));
        Assert.Contains("The JSON beside it (rotary.json) says they are LayoutModel's with Positions = Rotary, KvHeads = 1, " +
                        "where LayoutModel has Positions = Learned, KvHeads = 4.", error.Message);
    }

    [Theory]
    [InlineData(Activation.Relu, "Activation = Relu", "Activation = Gelu")]
    [InlineData(null, "LogitSoftcap = 30", "LogitSoftcap = 0")]
    public void Weights_whose_JSON_says_another_architecture_are_refused_though_every_tensor_fits(
        Activation? activation, string declared, string actual)
    {
        var exported = activation is { } a ? Plain with { Activation = a } : Plain with { LogitSoftcap = 30 };
        using var source = new LayoutModel(exported, seed: 1);
        var written = NanoGptExport.Write(source, "abc", temp["w.safetensors"]);
        using var model = new LayoutModel(Plain, seed: 2);
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

        var error = Assert.Throws<DeclaredArchitectureException>(() => NanoGptImport.LoadInto(model, written.Weights));
        Assert.Equal([declared.Split(" = ")[0]], error.Differing);

        Assert.Contains($"every tensor fits LayoutModel, but the JSON beside it (w.json) says they are LayoutModel's with {declared}, " +
                        $"where LayoutModel has {actual}.", error.Message);
        Assert.Contains($"Declare the model with {declared}, or move w.json away", error.Message);
        foreach (var (name, tensor) in model.state_dict())
            Assert.True(before[name].Equals(tensor), $"{name} changed although the import was refused");

        File.Delete(written.Sidecar);                                       // by shapes alone, the weights load
        NanoGptImport.LoadInto(model, written.Weights);
        Assert.True(source.state_dict()[NanoGptLayout.TokenEmbedding].Equals(model.state_dict()[NanoGptLayout.TokenEmbedding]));
    }

    [Fact]
    public void A_JSON_beside_the_weights_that_differs_only_in_dropout_does_not_stop_the_import()
    {
        using var source = new LayoutModel(Plain with { Dropout = 0.3 }, seed: 1);
        var written = NanoGptExport.Write(source, "abc", temp["w.pt"]);
        using var model = new LayoutModel(Plain, seed: 2);

        NanoGptImport.LoadInto(model, written.Weights);

        Assert.True(source.state_dict()[NanoGptLayout.LmHead].Equals(model.state_dict()[NanoGptLayout.LmHead]));
    }

    [Fact]
    public void An_option_that_follows_another_is_not_named_when_it_only_follows()
    {
        var heads = GptOptions.Differing(Plain, Plain with { Heads = 2 });          // KvHeads follows Heads in both
        Assert.Equal(["Heads"], heads.Select(o => o.Name));
        Assert.Equal(["Embd"], GptOptions.Differing(Plain, Plain with { Embd = 32 }).Select(o => o.Name));   // MlpHidden 64 vs 128, both 4·Embd
        var set = GptOptions.Differing(Plain, Plain with { Embd = 32, MlpHidden = 100 });
        Assert.Equal(["Embd", "MlpHidden"], set.Select(o => o.Name));
    }

    [Fact]
    public void A_checkpoint_for_another_declaration_names_the_options_that_differ()
    {
        var run = temp["run"];
        using (var trained = new LayoutModel(Plain with { KvHeads = 2, Positions = Positions.Rotary }, seed: 1))
            Checkpoint.Save(run, trained, optimizer: null,
                new CheckpointMetadata { ModelName = "LayoutModel", Config = trained.Config, Vocabulary = "abc" }, isBest: true);
        using var model = new LayoutModel(Plain, seed: 2);

        var error = Assert.Throws<TinyGptException>(() => Checkpoint.Open(run).EnsureMatches(model));

        Assert.Contains("was trained for LayoutModel with Positions = Rotary, KvHeads = 2, but LayoutModel is now declared with " +
                        "Positions = Learned, KvHeads = 4 (the checkpoint's architecture: Layers = 2, Heads = 4, Embd = 16, BlockSize = 8, " +
                        "VocabSize = 11, Bias = false, TieWeights = true, Positions = Rotary, KvHeads = 2);", error.Message);
        Assert.Equal(Checkpoint.ModelArgument, error.Option);
        Assert.Equal("LayoutModel at step 0; Layers = 2, Heads = 4, Embd = 16, BlockSize = 8, VocabSize = 11, Bias = false, " +
                     "TieWeights = true, Positions = Rotary, KvHeads = 2", Checkpoint.DescribeRun(run));
    }
}

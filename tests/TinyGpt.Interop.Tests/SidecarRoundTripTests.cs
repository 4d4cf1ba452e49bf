using System.Text.Json.Nodes;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TinyGpt.Interop.Tests;

/// <summary>
/// The JSON beside an export carries every option the model uses, in the target codebase's names where its config has
/// them, so that reading it back gives the exported config and importing the export gives the exported model.
/// </summary>
public sealed class SidecarRoundTripTests : IDisposable
{
    const string Vocabulary = "\n !&',-.:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    public static TheoryData<string, StateDictLayout> Exports => new()
    {
        { "lecture", StateDictLayout.Lecture },
        { "lecture-odd", StateDictLayout.Lecture },
        { "lecture-odd", StateDictLayout.NanoGpt },
        { "modern", StateDictLayout.Nanochat },
        { "modern", StateDictLayout.NanoGpt },
        { "nanochat-mqa", StateDictLayout.Nanochat },
        { "swiglu", StateDictLayout.NanoGpt },           // SwiGLU, RMSNorm with weights, biases, grouped-query attention
        { "swiglu-tied", StateDictLayout.NanoGpt },
    };

    [Theory]
    [MemberData(nameof(Exports))]
    public void Export_then_import_gives_the_same_config_keys_and_logits(string name, StateDictLayout layout)
    {
        using var model = Build(name, seed: 11);
        var written = NanoGptExport.Write(model, Vocabulary[..Math.Min(Vocabulary.Length, model.Config.VocabSize)],
            temp["model.safetensors"], WeightFormat.Safetensors, layout);

        var sidecar = NanoGptSidecar.Read(written.Sidecar);
        Assert.Equal(model.Config, sidecar.Config);
        Assert.Empty(GptOptions.Differing(model.Config, sidecar.Config));
        Assert.Equal(layout, sidecar.Layout);

        using var imported = Build(name, seed: 12);
        var summary = NanoGptImport.LoadInto(imported, written.Weights);
        Assert.Equal(layout, summary.Layout);
        var expected = model.state_dict();
        var actual = imported.state_dict();
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, tensor) in expected)
            Assert.True(tensor.Equals(actual[key]), key);

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var idx = randint(model.Config.VocabSize, [2, model.Config.BlockSize], generator: new Generator(3), dtype: ScalarType.Int64);
        Assert.True(model.forward(idx).Equals(imported.forward(idx)), "the imported model's logits differ");
    }

    [Fact]
    public void A_nanochat_export_names_nanochats_GPTConfig_fields_and_the_rest_by_TinyGpts_names()
    {
        using var model = Build("modern", seed: 1);
        var written = NanoGptExport.Write(model, Vocabulary, temp["chat.pt"], WeightFormat.Pt, StateDictLayout.Nanochat);

        var json = JsonNode.Parse(File.ReadAllText(written.Sidecar))!.AsObject();
        Assert.Equal("""{"sequence_len":64,"vocab_size":65,"n_layer":4,"n_head":4,"n_kv_head":2,"n_embd":128}""",
            json["model_config"]!.ToJsonString());
        Assert.Null(json["model_args"]);                                  // nanoGPT could not build this model
        var options = json["options"]!.AsObject();
        Assert.Equal("ReluSquared", options["Activation"]!.GetValue<string>());
        Assert.Equal("Rotary", options["Positions"]!.GetValue<string>());
        Assert.False(options["TieWeights"]!.GetValue<bool>());
        Assert.Equal(15, options["LogitSoftcap"]!.GetValue<double>());
        AssertEveryPropertyOnce(json["model_config"]!.AsObject(), options, "sequence_len", "vocab_size", "n_layer", "n_head", "n_kv_head", "n_embd");
        Assert.Equal("nanochat", json["layout"]!.GetValue<string>());
    }

    [Fact]
    public void A_lecture_export_names_the_lectures_hyperparameters_and_the_rest_by_TinyGpts_names()
    {
        using var model = Build("lecture-odd", seed: 1);
        var written = NanoGptExport.Write(model, Vocabulary, temp["lecture.pt"], WeightFormat.Pt, StateDictLayout.Lecture);

        var json = JsonNode.Parse(File.ReadAllText(written.Sidecar))!.AsObject();
        Assert.Equal("""{"n_embd":80,"n_head":5,"n_layer":3,"block_size":24,"dropout":0.2,"vocab_size":67}""",
            json["hyperparameters"]!.ToJsonString());
        var options = json["options"]!.AsObject();
        Assert.Equal("Relu", options["Activation"]!.GetValue<string>());
        Assert.True(options["Bias"]!.GetValue<bool>());
        Assert.False(options["QkvBias"]!.GetValue<bool>());
        Assert.True(options["LmHeadBias"]!.GetValue<bool>());
        AssertEveryPropertyOnce(json["hyperparameters"]!.AsObject(), options, "n_embd", "n_head", "n_layer", "block_size", "dropout", "vocab_size");
    }

    [Fact]
    public void A_nanoGPT_export_keeps_model_args_for_GPTConfig_and_puts_the_options_beside_it()
    {
        using var model = Build("swiglu", seed: 1);
        var written = NanoGptExport.Write(model, Vocabulary, temp["swiglu.pt"], WeightFormat.Pt);

        var json = JsonNode.Parse(File.ReadAllText(written.Sidecar))!.AsObject();
        Assert.Equal("""{"n_layer":2,"n_head":6,"n_embd":48,"block_size":16,"bias":true,"vocab_size":67,"dropout":0}""",
            json["model_args"]!.ToJsonString());
        Assert.False(json["tie_weights"]!.GetValue<bool>());
        var options = json["options"]!.AsObject();
        Assert.Equal("SwiGlu", options["Activation"]!.GetValue<string>());
        Assert.Equal("RmsNorm", options["Norm"]!.GetValue<string>());
        Assert.Equal(2, options["KvHeads"]!.GetValue<int>());
        Assert.Equal(100, options["MlpHidden"]!.GetValue<int>());
        Assert.Null(options["TieWeights"]);                               // tie_weights, beside model_args, as before
    }

    [Fact]
    public void A_sidecar_from_before_the_options_reads_as_nanoGPTs_architecture()
    {
        File.WriteAllText(temp["old.json"], """
            {"model_args": {"n_layer": 2, "n_head": 4, "n_embd": 32, "block_size": 16, "bias": true, "vocab_size": 65, "dropout": 0.1},
             "tie_weights": false, "model": "OldGpt"}
            """);

        var sidecar = NanoGptSidecar.Read(temp["old.json"]);

        Assert.Equal(new GptConfig(2, 4, 32, 16, 65, Dropout: 0.1, Bias: true, TieWeights: false), sidecar.Config);
        Assert.Equal(StateDictLayout.NanoGpt, sidecar.Layout);
        Assert.Equal(4, sidecar.Config.KvHeads);
        Assert.Equal(Activation.Gelu, sidecar.Config.Activation);
    }

    [Theory]
    [InlineData("""{"Activation": "Swish"}""", "Activation is \"Swish\"; expected one of Gelu, Relu, ReluSquared, SwiGlu")]
    [InlineData("""{"Activation": "7"}""", "Activation is \"7\"")]
    [InlineData("""{"Norm": ""}""", "Norm is \"\"; expected one of LayerNorm, RmsNorm")]
    [InlineData("""{"KvHeadz": 2}""", "options.KvHeadz is not a property of GptConfig")]
    [InlineData("""{"QkNorm": "yes"}""", "a value has the wrong type")]
    public void A_bad_option_is_named(string options, string expected)
    {
        File.WriteAllText(temp["bad.json"], $$"""{"model_args": {"n_layer": 1, "n_head": 1, "n_embd": 8, "block_size": 4, "vocab_size": 5}, "options": {{options}}}""");

        var error = Assert.Throws<InvalidDataException>(() => NanoGptSidecar.Read(temp["bad.json"]));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_sidecar_without_any_config_says_which_objects_it_looked_for()
    {
        File.WriteAllText(temp["none.json"], """{"meta": {"vocab_size": 1, "itos": {"0": "a"}}}""");
        var error = Assert.Throws<InvalidDataException>(() => NanoGptSidecar.Read(temp["none.json"]));
        Assert.Contains("\"model_args\"", error.Message);
        Assert.Contains("\"model_config\"", error.Message);
        Assert.Contains("\"hyperparameters\"", error.Message);
    }

    // The layout's config and the options hold every GptConfig property, none twice (tie_weights aside, nanoGPT's).
    static void AssertEveryPropertyOnce(JsonObject config, JsonObject options, params string[] configKeys)
    {
        Assert.Equal(configKeys, config.Select(kv => kv.Key));
        Assert.Equal(GptOptions.All.Count, configKeys.Length + options.Count);
        Assert.All(options, kv => Assert.NotNull(GptOptions.Find(kv.Key)));
    }

    static LanguageModel Build(string name, int seed)
    {
        random.manual_seed(seed);
        var model = FamilyModels.All[name].Create();
        model.eval();
        return model;
    }
}

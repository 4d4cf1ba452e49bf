using System.Text.Json.Nodes;
using Xunit;

namespace TinyGpt.Interop.Tests;

public sealed class NanoGptExportTests : IDisposable
{
    const string Vocabulary = "\n !&',-.:;?ABCabc\"é";

    static readonly GptConfig Config = new(Layers: 1, Heads: 2, Embd: 8, BlockSize: 8, VocabSize: 21, Dropout: 0.1, Bias: true);

    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("model.pt", WeightFormat.Pt)]
    [InlineData("model.safetensors", WeightFormat.Safetensors)]
    public void The_export_loads_strictly_into_nanoGPTs_GPT_with_the_JSON_beside_it(string file, WeightFormat expected)
    {
        using var model = new LayoutModel(Config with { TieWeights = false }, seed: 4);

        var written = NanoGptExport.Write(model, Vocabulary, temp[file]);

        Assert.Equal(expected, written.Format);
        Assert.Equal(temp["model.json"], written.Sidecar);
        File.WriteAllText(temp["tokens.json"], """{"idx": [[0, 1, 2, 20]], "targets": [[1, 2, 3, 4]]}""");
        var result = PythonReference.RunJson("logits", "--config", written.Sidecar, "--weights", written.Weights,
            "--tokens", temp["tokens.json"], "--out", temp["logits.safetensors"]);
        Assert.Equal("[1,4,21]", result["shape"]!.ToJsonString());
    }

    [Theory]
    [InlineData("w.pt", null, WeightFormat.Pt)]
    [InlineData("w.pth", null, WeightFormat.Pt)]
    [InlineData("w.safetensors", null, WeightFormat.Safetensors)]
    [InlineData("w.weights", WeightFormat.Pt, WeightFormat.Pt)]
    [InlineData("w.pt", WeightFormat.Safetensors, WeightFormat.Safetensors)]
    [InlineData("w.weights", null, WeightFormat.Safetensors)]
    public void The_format_is_the_one_asked_else_the_extensions_else_safetensors(string file, WeightFormat? asked, WeightFormat expected)
    {
        using var model = new LayoutModel(Config);

        var written = NanoGptExport.Write(model, Vocabulary, temp[file], asked);

        Assert.Equal(expected, written.Format);
        Assert.Equal(expected, WeightFormats.Detect(written.Weights));
        Assert.Equal(expected, NanoGptSidecar.Read(written.Sidecar).Format);
    }

    [Fact]
    public void The_JSON_holds_nanoGPTs_model_args_and_meta()
    {
        using var model = new LayoutModel(Config);
        var written = NanoGptExport.Write(model, Vocabulary, temp["baby.safetensors"]);

        var json = JsonNode.Parse(File.ReadAllText(written.Sidecar))!;
        Assert.Equal("""{"n_layer":1,"n_head":2,"n_embd":8,"block_size":8,"bias":true,"vocab_size":21,"dropout":0.1}""", json["model_args"]!.ToJsonString());
        Assert.Equal(Vocabulary.Length, json["meta"]!["vocab_size"]!.GetValue<int>());
        Assert.Equal("é", json["meta"]!["itos"]!["18"]!.GetValue<string>());
        Assert.Equal(0, json["meta"]!["stoi"]!["\n"]!.GetValue<int>());
        Assert.Equal("baby.safetensors", json["weights"]!.GetValue<string>());

        var sidecar = NanoGptSidecar.Read(written.Sidecar);
        Assert.Equal(Config, sidecar.Config);
        Assert.Equal(Vocabulary, sidecar.Vocabulary);
        Assert.Equal("LayoutModel", sidecar.Model);
        Assert.Equal(WeightFormat.Safetensors, sidecar.Format);
        Assert.Equal(Vocabulary, NanoGptSidecar.ReadVocabulary(written.Sidecar));
    }

    [Fact]
    public void A_bare_copy_of_meta_pkl_gives_the_vocabulary()
    {
        File.WriteAllText(temp["meta.json"], """{"vocab_size": 3, "itos": {"2": "b", "0": "\n", "1": "a"}, "stoi": {"\n": 0, "a": 1, "b": 2}}""");
        Assert.Equal("\nab", NanoGptSidecar.ReadVocabulary(temp["meta.json"]));

        File.WriteAllText(temp["bad.json"], """{"vocab_size": 2, "itos": {"0": "ab", "1": "c"}}""");
        var error = Assert.Throws<InvalidDataException>(() => NanoGptSidecar.ReadVocabulary(temp["bad.json"]));
        Assert.Contains("itos[0] must be exactly one character", error.Message);
    }

    [Fact]
    public void The_vocabulary_comes_from_the_JSON_asked_for_else_the_one_beside_the_weights()
    {
        using var model = new LayoutModel(Config);
        var written = NanoGptExport.Write(model, Vocabulary, temp["w.pt"]);
        File.WriteAllText(temp["meta.json"], """{"vocab_size": 2, "itos": {"0": "x", "1": "y"}}""");

        Assert.Equal("xy", NanoGptSidecar.FindVocabulary(written.Weights, temp["meta.json"]));
        Assert.Equal(Vocabulary, NanoGptSidecar.FindVocabulary(written.Weights));
        Assert.Null(NanoGptSidecar.FindVocabulary(temp["elsewhere.pt"]));
        File.WriteAllText(temp["wrong.json"], """{"itos": {"0": 7}}""");
        Assert.Throws<InvalidDataException>(() => NanoGptSidecar.FindVocabulary(written.Weights, temp["wrong.json"]));
    }

    [Fact]
    public void The_bigram_baseline_has_no_nanoGPT_layout()
    {
        var error = Assert.Throws<NotSupportedException>(() => NanoGptLayout.For(new GptConfig(0, 0, 0, 1, 65)));
        Assert.Contains("bigram", error.Message);
    }

    [Fact]
    public void Export_refuses_a_vocabulary_larger_than_the_model()
    {
        using var model = new LayoutModel(Config with { VocabSize = 3 });
        var error = Assert.Throws<ArgumentException>(() => NanoGptExport.Write(model, "abcd", temp["w.pt"]));
        Assert.Contains("the vocabulary has 4 characters but LayoutModel has VocabSize 3", error.Message);
        Assert.False(File.Exists(temp["w.pt"]));
    }
}

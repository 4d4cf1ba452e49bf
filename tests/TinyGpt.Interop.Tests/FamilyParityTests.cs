using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace TinyGpt.Interop.Tests;

/// <summary>
/// Same weights, same logits, same parameter count: every option model against its upstream code, our PyTorch
/// references in tests/python/reference_family.py (the lecture's gpt.py, nanochat's gpt.py, nanoGPT with SwiGLU),
/// in both directions.
/// </summary>
public sealed class FamilyParityTests(ITestOutputHelper output) : IDisposable
{
    const double LogitTolerance = 1e-4;
    const double LossTolerance = 1e-5;

    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [MemberData(nameof(FamilyModels.Names), MemberType = typeof(FamilyModels))]
    public void Weights_exported_from_TinyGpt_give_the_same_logits_upstream(string name)
    {
        using var model = Build(name, seed: 1);
        var weights = temp["tinygpt.safetensors"];
        StateDictFile.Save(model.state_dict(), weights, WeightFormat.Safetensors);

        AssertSame(name, model, tokens => FamilyReference.RunJson("logits", "--arch", FamilyModels.All[name].Arch,
            "--config", Config(model), "--weights", weights, "--tokens", tokens, "--out", temp["logits.safetensors"]));
    }

    [Theory]
    [MemberData(nameof(FamilyModels.Names), MemberType = typeof(FamilyModels))]
    public void Weights_made_upstream_give_the_same_logits_in_TinyGpt(string name)
    {
        using var model = Build(name, seed: 2);
        var mapped = temp["mapped.pt"];
        AssertSame(name, model, tokens => FamilyReference.RunJson("save-random", "--arch", FamilyModels.All[name].Arch,
            "--config", Config(model), "--out", temp["upstream.pt"], "--tinygpt-out", mapped, "--seed", "5",
            "--tokens", tokens, "--logits-out", temp["logits.safetensors"]),
            before: () => NanoGptImport.LoadInto(model, mapped));
    }

    [Theory]
    [InlineData("lecture", StateDictLayout.Lecture)]
    [InlineData("lecture-odd", StateDictLayout.Lecture)]
    [InlineData("modern", StateDictLayout.Nanochat)]
    [InlineData("nanochat-odd", StateDictLayout.Nanochat)]
    [InlineData("nanochat-mqa", StateDictLayout.Nanochat)]
    public void Exported_in_the_upstream_layout_the_upstream_model_loads_it_strictly(string name, StateDictLayout layout)
    {
        using var model = Build(name, seed: 4);
        var exported = NanoGptExport.Write(model, "", temp["upstream.pt"], WeightFormat.Pt, layout);

        AssertSame(name, model, tokens => FamilyReference.RunJson("logits", "--arch", FamilyModels.All[name].Arch, "--upstream",
            "--config", Config(model), "--weights", exported.Weights, "--tokens", tokens, "--out", temp["logits.safetensors"]));
    }

    [Theory]
    [InlineData("lecture", StateDictLayout.Lecture)]
    [InlineData("lecture-odd", StateDictLayout.Lecture)]
    [InlineData("modern", StateDictLayout.Nanochat)]
    [InlineData("nanochat-odd", StateDictLayout.Nanochat)]
    [InlineData("nanochat-mqa", StateDictLayout.Nanochat)]
    public void Import_reads_the_upstream_state_dict_as_saved_there(string name, StateDictLayout layout)
    {
        using var model = Build(name, seed: 5);
        ImportSummary? summary = null;
        AssertSame(name, model, tokens => FamilyReference.RunJson("save-random", "--arch", FamilyModels.All[name].Arch,
            "--config", Config(model), "--out", temp["upstream.pt"], "--seed", "6",
            "--tokens", tokens, "--logits-out", temp["logits.safetensors"]),
            before: () => summary = NanoGptImport.LoadInto(model, temp["upstream.pt"]));
        Assert.Equal(layout, summary!.Layout);
    }

    [Fact]
    public void Export_refuses_a_layout_whose_architecture_the_model_is_not()
    {
        using var model = Build("modern", seed: 1);
        var error = Assert.Throws<ArgumentException>(() => NanoGptExport.Write(model, "", temp["x.pt"], WeightFormat.Pt, StateDictLayout.Lecture));
        Assert.Contains("Activation is ReluSquared, the lecture's gpt.py has Relu", error.Message);
    }

    [Theory]
    [MemberData(nameof(FamilyModels.Names), MemberType = typeof(FamilyModels))]
    public void The_KV_cache_gives_the_logits_of_a_full_recompute(string name)
    {
        using var model = Build(name, seed: 3);
        var cached = (ICachedLanguageModel)model;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var blockSize = model.Config.BlockSize;
        var idx = randint(model.Config.VocabSize, [2, blockSize], generator: new Generator(7), dtype: ScalarType.Int64);
        var full = model.forward(idx);                                                 // [2, T, V]
        using var cache = cached.CreateCache(2);
        var prefix = blockSize / 2;
        var last = cached.forward(idx.narrow(1, 0, prefix), cache);                    // [2, V] a prefill of several tokens
        var worst = (last - full.select(1, prefix - 1)).abs().max().item<float>();
        for (var t = prefix; t < blockSize; t++)
        {
            last = cached.forward(idx.narrow(1, t, 1), cache);                         // one new token
            worst = Math.Max(worst, (last - full.select(1, t)).abs().max().item<float>());
        }
        output.WriteLine($"{name}: cached vs full, max |diff| {worst:E2}");
        Assert.True(worst <= LogitTolerance, $"{name}: cached logits differ by {worst:E3}");
    }

    static LanguageModel Build(string name, int seed)
    {
        random.manual_seed(seed);
        var model = FamilyModels.All[name].Create();
        model.eval();
        return model;
    }

    string Config(LanguageModel model)
    {
        File.WriteAllText(temp["config.json"], JsonSerializer.Serialize(model.Config));
        return temp["config.json"];
    }

    void AssertSame(string name, LanguageModel model, Func<string, JsonObject> runReference, Action? before = null)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)name.Length);
        var shape = new long[] { 2, model.Config.BlockSize };
        var idx = randint(model.Config.VocabSize, shape, generator: generator, dtype: ScalarType.Int64);
        var targets = randint(model.Config.VocabSize, shape, generator: generator, dtype: ScalarType.Int64);
        File.WriteAllText(temp["tokens.json"], $$"""{"idx": {{Json(idx)}}, "targets": {{Json(targets)}}}""");
        var summary = runReference(temp["tokens.json"]);
        before?.Invoke();
        var reference = StateDictFile.Load(temp["logits.safetensors"]);

        Tensor logits, loss;
        using (no_grad()) (logits, loss) = model.forward(idx, targets);
        var maxDiff = (logits - reference["logits"]).abs().max().item<float>();
        var lossDiff = Math.Abs(loss.item<float>() - reference["loss"].item<float>());
        var upstreamParameters = (long)summary["parameters"]!;
        output.WriteLine($"{name}: max |logit diff| {maxDiff:E2}, loss {loss.item<float>():F6} vs {summary["loss"]}, parameters {FamilyModels.All[name].Parameters:N0} vs {upstreamParameters:N0}");
        Assert.Equal(upstreamParameters, FamilyModels.All[name].Parameters);
        Assert.Equal(upstreamParameters, model.DistinctParameters().Sum(p => p.numel()));
        Assert.Equal(reference["logits"].shape, logits.shape);
        Assert.True(maxDiff <= LogitTolerance, $"{name}: max |logit difference| {maxDiff:E3} > {LogitTolerance:E0}");
        Assert.True(lossDiff <= LossTolerance, $"{name}: loss {loss.item<float>()} vs reference {reference["loss"].item<float>()}");
    }

    static string Json(Tensor ids) =>
        "[" + string.Join(", ", Enumerable.Range(0, (int)ids.shape[0])
            .Select(row => "[" + string.Join(", ", ids[row].data<long>().ToArray()) + "]")) + "]";
}

using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace TinyGpt.Interop.Tests;

/// <summary>
/// Same weights, same logits: TinyGpt against the PyTorch reference (nanoGPT's architecture on
/// PyTorch 1.13), in both directions, for every architecture in <see cref="ParityModels"/>.
/// </summary>
public sealed class ParityTests(ITestOutputHelper output) : IDisposable
{
    const double LogitTolerance = 1e-4;
    const double LossTolerance = 1e-5;

    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [MemberData(nameof(ParityModels.Names), MemberType = typeof(ParityModels))]
    public void Weights_exported_from_TinyGpt_give_the_same_logits_in_the_reference(string name)
    {
        using var model = Build(name, seed: 1);
        var format = name == "baby" ? WeightFormat.Pt : WeightFormat.Safetensors;
        var exported = NanoGptExport.Write(model, "", temp["tinygpt" + format.Extension()], format);

        AssertSameLogits(name, model, tokens => PythonReference.RunJson("logits", "--config", exported.Sidecar,
            "--weights", exported.Weights, "--tokens", tokens, "--out", temp["logits.safetensors"]));
    }

    [Theory]
    [MemberData(nameof(ParityModels.Names), MemberType = typeof(ParityModels))]
    public void Weights_saved_by_the_reference_give_the_same_logits_in_TinyGpt(string name)
    {
        using var model = Build(name, seed: 2);
        var config = temp.Config(model.Config);
        var weights = temp["reference.pt"];                                  // torch.save: tied storage shared

        AssertSameLogits(name, model, tokens => PythonReference.RunJson("save-random", "--config", config, "--out", weights,
            "--seed", "5", "--tokens", tokens, "--logits-out", temp["logits.safetensors"]),
            before: () => NanoGptImport.LoadInto(model, weights));
    }

    [Fact]
    public void A_round_trip_through_PyTorch_keeps_every_weight_and_the_greedy_text()
    {
        using var model = Build("baby", seed: 3);
        var exported = NanoGptExport.Write(model, "", temp["out.pt"]);
        PythonReference.Run("resave", "--config", exported.Sidecar, "--weights", exported.Weights, "--out", temp["back.pt"]);
        using var back = Build("baby", seed: 4);

        NanoGptImport.LoadInto(back, temp["back.pt"]);

        var before = model.state_dict();
        foreach (var (key, tensor) in back.state_dict())
            Assert.True(before[key].Equals(tensor), key);
        Assert.Equal(Greedy(model, 40), Greedy(back, 40));
    }

    static LanguageModel Build(string name, int seed)
    {
        random.manual_seed(seed);
        var model = ParityModels.All[name]();
        model.eval();
        return model;
    }

    // runReference gets the token file, writes the reference's logits.safetensors and returns its summary;
    // before runs once the reference is done (e.g. importing the weights it saved).
    void AssertSameLogits(string name, LanguageModel model, Func<string, System.Text.Json.Nodes.JsonObject> runReference, Action? before = null)
    {
        using var scope = NewDisposeScope();
        var (idx, targets) = Tokens(model.Config, batch: 2, seed: name.Length);
        var tokens = temp["tokens.json"];
        File.WriteAllText(tokens, $$"""{"idx": {{Json(idx)}}, "targets": {{Json(targets)}}}""");
        var summary = runReference(tokens);
        before?.Invoke();
        var reference = StateDictFile.Load(temp["logits.safetensors"]);

        Tensor logits, loss;
        using (no_grad()) (logits, loss) = model.forward(idx, targets);

        var maxDiff = (logits - reference["logits"]).abs().max().item<float>();
        var lossDiff = Math.Abs(loss.item<float>() - reference["loss"].item<float>());
        output.WriteLine($"{name}: logits {Shapes.Describe(logits)}, max |diff| {maxDiff:E2}; loss {loss.item<float>():F6} vs {summary["loss"]} (|diff| {lossDiff:E2})");
        Assert.Equal(reference["logits"].shape, logits.shape);
        Assert.True(maxDiff <= LogitTolerance, $"{name}: max |logit difference| {maxDiff:E3} > {LogitTolerance:E0}");
        Assert.True(lossDiff <= LossTolerance, $"{name}: loss {loss.item<float>()} vs reference {reference["loss"].item<float>()}");
    }

    static (Tensor Idx, Tensor Targets) Tokens(GptConfig config, int batch, int seed)
    {
        var generator = new Generator((ulong)seed);
        var idx = randint(config.VocabSize, [batch, config.BlockSize], generator: generator, dtype: ScalarType.Int64);
        var targets = randint(config.VocabSize, [batch, config.BlockSize], generator: generator, dtype: ScalarType.Int64);
        return (idx, targets);
    }

    static string Json(Tensor ids) =>
        "[" + string.Join(", ", Enumerable.Range(0, (int)ids.shape[0])
            .Select(row => "[" + string.Join(", ", ids[row].data<long>().ToArray()) + "]")) + "]";

    // Greedy decoding from a newline (token 0), cropping the context to BlockSize.
    static long[] Greedy(LanguageModel model, int steps)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var ids = new List<long> { 0 };
        for (var i = 0; i < steps; i++)
        {
            var context = ids.TakeLast(model.Config.BlockSize).ToArray();
            var logits = model.forward(tensor(context, ScalarType.Int64).unsqueeze(0));          // [1, T, V]
            ids.Add(logits[0, -1].argmax().item<long>());
        }
        return ids.ToArray();
    }
}

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
    public void A_trained_model_samples_the_same_greedy_text_after_a_round_trip_through_PyTorch()
    {
        const string text = "to be, or not to be, that is the question.\n";
        var vocabulary = new string(text.Distinct().Order().ToArray());
        using var model = Build("baby", seed: 3);
        var losses = Train(model, text, vocabulary, steps: 30);
        Assert.True(losses[^1] < losses[0] - 1, $"training did not move the loss: {losses[0]} → {losses[^1]}");
        model.eval();

        var exported = NanoGptExport.Write(model, vocabulary, temp["out.pt"]);
        PythonReference.Run("resave", "--config", exported.Sidecar, "--weights", exported.Weights, "--out", temp["back.pt"]);
        using var back = Build("baby", seed: 4);
        NanoGptImport.LoadInto(back, temp["back.pt"]);
        var backVocabulary = NanoGptSidecar.FindVocabulary(temp["back.pt"], exported.Sidecar)!;

        var before = model.state_dict();
        foreach (var (key, tensor) in back.state_dict())
            Assert.True(before[key].Equals(tensor), key);
        var sample = Decode(Greedy(model, 80), vocabulary);
        output.WriteLine(sample);
        Assert.Equal(sample, Decode(Greedy(back, 80), backVocabulary));
    }

    // A few AdamW steps on random windows of text: enough to make the weights a trained model's.
    static List<float> Train(LanguageModel model, string text, string vocabulary, int steps)
    {
        var corpus = string.Concat(Enumerable.Repeat(text, 8)).Select(c => (long)vocabulary.IndexOf(c)).ToArray();
        var parameters = model.parameters().DistinctBy(p => p.Handle).ToList();            // a tied weight once
        using var optimizer = optim.AdamW(parameters, lr: 3e-3);
        var generator = new Random(0);
        var losses = new List<float>();
        model.train();
        for (var step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var starts = Enumerable.Range(0, 4).Select(_ => generator.Next(corpus.Length - model.Config.BlockSize - 1)).ToArray();
            var x = stack(starts.Select(s => tensor(corpus[s..(s + model.Config.BlockSize)])).ToArray());
            var y = stack(starts.Select(s => tensor(corpus[(s + 1)..(s + 1 + model.Config.BlockSize)])).ToArray());
            optimizer.zero_grad();
            var (_, loss) = model.forward(x, y);
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }
        return losses;
    }

    static string Decode(long[] ids, string vocabulary) => new(ids.Select(i => i < vocabulary.Length ? vocabulary[(int)i] : '?').ToArray());

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

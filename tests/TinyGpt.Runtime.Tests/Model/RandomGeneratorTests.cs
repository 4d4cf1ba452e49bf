using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TinyGpt.Runtime.Tests;

/// <summary>
/// A model's randomness is its own: initial weights and dropout masks come from its
/// <see cref="LanguageModel.RandomGenerator"/>, so another run in the same process, which draws from
/// and reseeds torch's default generator, cannot change a single number.
/// </summary>
[Collection(TorchDefaultGenerator.Name)]
public class RandomGeneratorTests
{
    /// <summary>What a concurrent run does to torch's default generator: reseeds it and draws from it.</summary>
    private static void Disturb()
    {
        torch.random.manual_seed(999);
        using var drawn = rand(1000);
    }

    private static void AssertSameWeights(LanguageModel expected, LanguageModel actual)
    {
        var theirs = actual.state_dict();
        foreach (var (name, tensor) in expected.state_dict())
            Assert.True(tensor.equal(theirs[name]).all().item<bool>(), name);
    }

    [Fact]
    public void A_seed_gives_the_same_weights_whatever_torchs_default_generator_does()
    {
        using var first = new MicroGpt(seed: 5);
        Disturb();
        using var second = new MicroGpt(seed: 5);
        using var other = new MicroGpt(seed: 6);

        AssertSameWeights(first, second);
        Assert.False(first.transformer.wte.weight!.equal(other.transformer.wte.weight!).all().item<bool>());
    }

    [Fact]
    public void Without_a_seed_torch_manual_seed_repeats_the_weights_as_in_nanogpt()
    {
        torch.random.manual_seed(3);
        using var first = new MicroGpt();
        torch.random.manual_seed(3);
        using var second = new MicroGpt();
        using var third = new MicroGpt();                                   // torch's stream moved on

        AssertSameWeights(first, second);
        Assert.False(first.transformer.wte.weight!.equal(third.transformer.wte.weight!).all().item<bool>());
    }

    [Fact]
    public void The_bigram_baseline_draws_its_table_from_its_own_generator_too()
    {
        using var first = new BigramLanguageModel(seed: 8);
        Disturb();
        using var second = new BigramLanguageModel(seed: 8);

        AssertSameWeights(first, second);
        var table = first.parameters().Single();
        Assert.InRange(table.std().item<float>(), 0.9, 1.1);                // nn.Embedding's N(0, 1), kept
    }

    [Fact]
    public void Dropout_masks_come_from_the_models_generator()
    {
        using var model = new SmallDropoutGpt(seed: 1);
        model.train();
        using var tokens = new Generator(4);
        using var idx = randint(0, 11, [2, 8], dtype: ScalarType.Int64, generator: tokens);

        model.RandomGenerator.manual_seed(42);
        using var first = model.forward(idx);
        Disturb();
        model.RandomGenerator.manual_seed(42);
        using var second = model.forward(idx);
        using var third = model.forward(idx);                               // the model's stream moved on: new masks

        Assert.True(first.equal(second).all().item<bool>());
        Assert.False(second.equal(third).all().item<bool>());
    }

    [Fact]
    public void Training_with_dropout_is_unmoved_by_draws_from_torchs_default_generator_between_steps()
    {
        var corpus = Tiny.Corpus();
        using var quiet = new TempDir();
        using var disturbed = new TempDir();
        var options = Tiny.Options(8) with { EvalInterval = 4 };

        using var alone = new MicroGpt(seed: 2);
        var expected = new Trainer(alone, corpus, options, quiet.Path).Train();
        using var beside = new MicroGpt(seed: 2);
        var actual = new Trainer(beside, corpus, options, disturbed.Path).Train(new SyncProgress(_ => Disturb()));

        Assert.Equal(expected.StepLosses, actual.StepLosses);
        Assert.Equal(File.ReadAllLines(quiet.File("log.csv")).Select(l => l.Split(',')[1]), File.ReadAllLines(disturbed.File("log.csv")).Select(l => l.Split(',')[1]));
    }

    [Fact]
    public void A_checkpoint_from_before_models_had_their_own_generator_resumes_its_dropout_from_torchs_state()
    {
        var corpus = Tiny.Corpus();
        using var whole = new TempDir();
        using var split = new TempDir();
        var options = Tiny.Options(8) with { EvalInterval = 4, DecaySteps = 8 };

        using var all = new MicroGpt(seed: 2);
        var expected = new Trainer(all, corpus, options, whole.Path).Train();
        using (var half = new MicroGpt(seed: 2))
            new Trainer(half, corpus, options with { Steps = 4 }, split.Path).Train();

        // An older checkpoint kept one generator state, torch's, which then drew the dropout masks.
        RewriteState(Checkpoint.Open(split.Path).Directory, state =>
        {
            state["TorchRngState"] = state["ModelRngState"]!.GetValue<string>();
            state.Remove("ModelRngState");
        });

        using var resumed = new MicroGpt(seed: 9);
        var rest = new Trainer(resumed, corpus, options with { Resume = true }, split.Path).Train();
        Assert.Equal(expected.StepLosses.Skip(4), rest.StepLosses);
    }

    /// <summary>Edits a checkpoint's state file and records its new length and checksum in the manifest.</summary>
    private static void RewriteState(string checkpoint, Action<JsonObject> edit)
    {
        var statePath = Path.Combine(checkpoint, Checkpoint.StateFile);
        var state = JsonNode.Parse(File.ReadAllText(statePath))!.AsObject();
        edit(state);
        var bytes = Encoding.UTF8.GetBytes(state.ToJsonString());
        File.WriteAllBytes(statePath, bytes);

        var manifestPath = Path.Combine(checkpoint, Checkpoint.ManifestFile);
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        var entry = manifest["Files"]!.AsArray().Single(file => file!["Name"]!.GetValue<string>() == Checkpoint.StateFile)!;
        entry["Length"] = bytes.LongLength;
        entry["Sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes));
        File.WriteAllText(manifestPath, manifest.ToJsonString());
    }
}

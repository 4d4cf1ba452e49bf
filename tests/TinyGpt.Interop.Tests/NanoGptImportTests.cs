using static TorchSharp.torch;
using Xunit;

namespace TinyGpt.Interop.Tests;

public sealed class NanoGptImportTests : IDisposable
{
    static readonly GptConfig Small = new(Layers: 2, Heads: 2, Embd: 8, BlockSize: 16, VocabSize: 11);

    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    string SaveRandom(GptConfig config, string file, params string[] extra)
    {
        PythonReference.Run(["save-random", "--config", temp.Config(config), "--out", temp[file], "--seed", "3", .. extra]);
        return temp[file];
    }

    static void AssertSameWeights(LanguageModel expected, LanguageModel actual)
    {
        var a = expected.state_dict();
        foreach (var (name, tensor) in actual.state_dict())
            Assert.True(a[name].Equals(tensor), name);
    }

    [Fact]
    public void Mask_buffers_and_the_compile_prefix_are_accepted_and_dropped()
    {
        var plain = SaveRandom(Small, "plain.safetensors", "--format", "safetensors");
        var odd = SaveRandom(Small, "odd.pt", "--mask-buffers", "--prefix", "_orig_mod.");
        using var reference = new LayoutModel(Small);
        using var model = new LayoutModel(Small);

        NanoGptImport.LoadInto(reference, plain);
        var summary = NanoGptImport.LoadInto(model, odd);

        Assert.Equal(WeightFormat.Pt, summary.Format);
        Assert.True(summary.StrippedCompilePrefix);
        Assert.Equal(["_orig_mod.transformer.h.0.attn.bias", "_orig_mod.transformer.h.1.attn.bias"], summary.DroppedMaskBuffers.Order());
        Assert.Equal(model.state_dict().Count, summary.Loaded);
        AssertSameWeights(reference, model);
    }

    [Fact]
    public void The_model_entry_of_a_nanoGPT_training_checkpoint_imports()
    {
        var plain = SaveRandom(Small, "plain.pt");
        var checkpoint = SaveRandom(Small, "ckpt.pt", "--as-checkpoint");
        using var reference = new LayoutModel(Small);
        using var model = new LayoutModel(Small);

        NanoGptImport.LoadInto(reference, plain);
        NanoGptImport.LoadInto(model, checkpoint);

        AssertSameWeights(reference, model);
    }

    [Fact]
    public void A_mismatch_is_one_error_listing_every_differing_tensor_and_nothing_is_copied()
    {
        var file = SaveRandom(Small with { Bias = true }, "w.pt");
        using var model = new LayoutModel(Small with { Layers = 3, BlockSize = 32 }, seed: 5);
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

        var error = Assert.Throws<StateDictMismatchException>(() => NanoGptImport.LoadInto(model, file));

        var lines = error.Message.Split(Environment.NewLine);
        Assert.StartsWith($"{file} does not fit LayoutModel (Layers = 3, Heads = 2, Embd = 8, BlockSize = 32, VocabSize = 11, Bias = false, TieWeights = true): ", lines[0]);
        Assert.Contains("  wrong shape  transformer.wpe.weight: model [32, 8], file [16, 8]", lines);
        Assert.Contains("  missing      transformer.h.2.attn.c_attn.weight [24, 8] (the model has it, the file does not)", lines);
        Assert.Contains("  unexpected   transformer.h.0.attn.c_attn.bias [24] (the file has it, the model does not)", lines);
        Assert.Contains("The file's shapes describe Layers = 2, Embd = 8, BlockSize = 16, VocabSize = 11, Bias = true (the head count cannot be read from weights).", lines);
        // Block 2's six weights are missing, wpe has the wrong shape, and the file has 2 x 6 + 1 biases the model lacks.
        Assert.Equal(6, error.Mismatches.Count(m => m.Kind == MismatchKind.Missing));
        Assert.Single(error.Mismatches, m => m.Kind == MismatchKind.WrongShape);
        Assert.Equal(13, error.Mismatches.Count(m => m.Kind == MismatchKind.Unexpected));
        Assert.Equal(20, lines.Length - 2);
        foreach (var (name, tensor) in model.state_dict())
            Assert.True(before[name].Equals(tensor), $"{name} changed although the import failed");
    }

    [Fact]
    public void An_untied_file_cannot_pass_for_a_tied_model()
    {
        var file = SaveRandom(Small with { TieWeights = false }, "w.safetensors", "--format", "safetensors");
        using var model = new LayoutModel(Small);

        var error = Assert.Throws<StateDictMismatchException>(() => NanoGptImport.LoadInto(model, file));

        var mismatch = Assert.Single(error.Mismatches);
        Assert.Equal(MismatchKind.TiedDiffer, mismatch.Kind);
        Assert.Contains("TieWeights = false", error.Message);
    }

    [Fact]
    public void A_tied_model_takes_either_tied_name_alone()
    {
        using var source = new LayoutModel(Small, seed: 9);
        var withoutHead = source.state_dict().Where(kv => kv.Key != NanoGptLayout.LmHead);
        StateDictFile.Save(withoutHead, temp["w.safetensors"], WeightFormat.Safetensors);
        using var model = new LayoutModel(Small);

        NanoGptImport.LoadInto(model, temp["w.safetensors"]);

        AssertSameWeights(source, model);
    }

    [Fact]
    public void An_untied_model_loads_its_separate_head()
    {
        var untied = Small with { TieWeights = false, Bias = true };
        var file = SaveRandom(untied, "w.pt");
        using var model = new LayoutModel(untied);

        NanoGptImport.LoadInto(model, file);

        var described = PythonReference.RunJson("describe", "--weights", file)["shared"]!.AsArray();
        Assert.Empty(described);
        Assert.False(model.state_dict()[NanoGptLayout.TokenEmbedding].Equals(model.state_dict()[NanoGptLayout.LmHead]));
    }
}

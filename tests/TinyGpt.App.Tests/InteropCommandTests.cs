namespace TinyGpt.App.Tests;

/// <summary><c>tinygpt export</c> and <c>import</c>: weights leave and come back unchanged, bad files are one clear error.</summary>
public sealed class InteropCommandTests
{
    [Theory]
    [InlineData("baby.safetensors")]
    [InlineData("baby.pt")]
    public void Export_then_import_samples_the_same_greedy_text(string file)
    {
        using var temp = new TempDir();
        var train = CliRun.InProcess("train", "--model", "baby", "--steps", "6", "--batch-size", "2", "--eval-interval", "6",
            "--eval-iters", "1", "--out", temp.File("run"));
        Assert.True(train.ExitCode == 0, train.ToString());

        var export = CliRun.InProcess("export", "--checkpoint", temp.File("run"), "--out", temp.File(file));
        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.True(File.Exists(temp.File(file)));
        Assert.True(File.Exists(temp.File("baby.json")));                     // config and vocabulary beside the weights

        var import = CliRun.InProcess("import", "--weights", temp.File(file), "--model", "baby", "--out", temp.File("imported"));
        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Contains("vocabulary: the given vocabulary", import.Output);  // found in the JSON beside the weights

        string[] sample = ["--prompt", "ROMEO:", "--tokens", "60", "--top-k", "1"];
        var original = CliRun.InProcess(["sample", "--checkpoint", temp.File("run"), .. sample]);
        var roundTripped = CliRun.InProcess(["sample", "--checkpoint", temp.File("imported"), .. sample]);
        Assert.True(roundTripped.ExitCode == 0, roundTripped.ToString());
        Assert.Equal(original.Output, roundTripped.Output);
    }

    [Theory]
    [InlineData("nanochat")]
    [InlineData("nanogpt")]
    public void A_modern_run_exported_in_a_layout_imports_as_the_same_model(string layout)
    {
        using var temp = new TempDir();
        var train = CliRun.InProcess("train", "--model", "modern", "--steps", "6", "--batch-size", "2", "--eval-interval", "6",
            "--eval-iters", "1", "--out", temp.File("run"));
        Assert.True(train.ExitCode == 0, train.ToString());

        var export = CliRun.InProcess("export", "--checkpoint", temp.File("run"), "--out", temp.File("modern.pt"), "--layout", layout);
        Assert.True(export.ExitCode == 0, export.ToString());
        var trained = Checkpoint.Open(temp.File("run")).Metadata.Config;
        Assert.Equal(trained, Interop.NanoGptSidecar.Read(temp.File("modern.json")).Config);   // every option in the JSON

        var import = CliRun.InProcess("import", "--weights", temp.File("modern.pt"), "--model", "modern", "--out", temp.File("imported"));
        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Equal(trained, Checkpoint.Open(temp.File("imported")).Metadata.Config);
        string[] sample = ["--prompt", "ROMEO:", "--tokens", "40", "--top-k", "1"];
        var original = CliRun.InProcess(["sample", "--checkpoint", temp.File("run"), .. sample]);
        var roundTripped = CliRun.InProcess(["sample", "--checkpoint", temp.File("imported"), .. sample]);
        Assert.True(roundTripped.ExitCode == 0, roundTripped.ToString());
        Assert.Equal(original.Output, roundTripped.Output);

        // Into baby the tensors do not fit, and the JSON beside them names the options that differ.
        var refused = CliRun.InProcess("import", "--weights", temp.File("modern.pt"), "--model", "baby", "--out", temp.File("x"));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains(refused.ErrorLines, line => line.Contains("The JSON beside it (modern.json) says they are ModernGpt's with") &&
                                                    line.Contains("Positions = Rotary") && line.Contains("KvHeads = 2"));
        Assert.False(Directory.Exists(temp.File("x")));
    }

    [Fact]
    public void Weights_whose_JSON_declares_other_options_are_refused_in_flags()
    {
        const string activation = "ReluSquared", remedy = "Choose the --model with those options";   // no model of the catalog has it
        using var temp = new TempDir();
        TrainAndExport(temp, steps: 1);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(temp.File("baby.json")))!;
        json["options"]!["Activation"] = activation;                         // as if exported from a relu² model of baby's shapes
        File.WriteAllText(temp.File("baby.json"), json.ToJsonString());

        var result = CliRun.InProcess("import", "--weights", temp.File("baby.safetensors"), "--model", "baby", "--out", temp.File("x"));

        BadInputTests.AssertUserError(result, $"every tensor fits BabyGpt, but the JSON beside it (baby.json) says they are BabyGpt's with " +
                                              $"Activation = {activation}, where BabyGpt has Activation = Gelu. {remedy}, or move baby.json away");
        Assert.DoesNotContain("Declare the model", result.Errors);
        Assert.False(Directory.Exists(temp.File("x")));
    }

    [Fact]
    public void Import_into_another_architecture_lists_the_differing_tensors()
    {
        using var temp = new TempDir();
        TrainAndExport(temp, steps: 1);

        var result = CliRun.InProcess("import", "--weights", temp.File("baby.safetensors"), "--model", "shakespeare", "--out", temp.File("x"));

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: ", result.ErrorLines[0]);
        Assert.Contains("does not fit ShakespeareGpt", result.ErrorLines[0]);
        Assert.Contains(result.ErrorLines, line => line.Contains("transformer.wte.weight: model [65, 384], file [65, 128]"));
        Assert.Contains(result.ErrorLines, line => line.Contains("transformer.h.5.attn.c_attn.weight"));
        Assert.False(Directory.Exists(temp.File("x")));                      // nothing written
    }

    [Fact]
    public void Import_over_a_trained_run_is_refused_unless_overwriting()
    {
        using var temp = new TempDir();
        TrainAndExport(temp, steps: 2);
        string[] import = ["import", "--weights", temp.File("baby.safetensors"), "--model", "baby", "--out", temp.File("run")];

        var refused = CliRun.InProcess(import);
        BadInputTests.AssertUserError(refused, $"'{temp.File("run")}' already holds a run (BabyGpt at step 2");
        Assert.Contains("Import into another --out, or replace it with --overwrite.", refused.Errors);
        Assert.True(Checkpoint.Open(temp.File("run")).HasOptimizerState);   // still the trained run

        var replaced = CliRun.InProcess([.. import, "--overwrite"]);
        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        Assert.False(Checkpoint.Open(temp.File("run")).HasOptimizerState);  // the imported weights
        Assert.False(File.Exists(temp.File("run/log.csv")));                // the old run's log went with it
    }

    [Fact]
    public void Export_over_existing_files_is_refused_unless_overwriting()
    {
        using var temp = new TempDir();
        TrainAndExport(temp, steps: 1);
        File.WriteAllText(temp.File("ckpt.pt"), "nanoGPT's own checkpoint");
        string[] export = ["export", "-c", temp.File("run"), "-o", temp.File("ckpt.pt")];

        var refused = CliRun.InProcess(export);
        BadInputTests.AssertUserError(refused, $"'{temp.File("ckpt.pt")}' already exists. Export to another --out, or replace ckpt.pt and ckpt.json with --overwrite.");
        Assert.Equal("nanoGPT's own checkpoint", File.ReadAllText(temp.File("ckpt.pt")));

        var sidecarOnly = CliRun.InProcess("export", "-c", temp.File("run"), "-o", temp.File("baby.pt"));   // baby.json is the earlier export's
        BadInputTests.AssertUserError(sidecarOnly, $"'{temp.File("baby.json")}' already exists.");
        Assert.False(File.Exists(temp.File("baby.pt")));

        var replaced = CliRun.InProcess([.. export, "--overwrite"]);
        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        Assert.NotEqual("nanoGPT's own checkpoint", File.ReadAllText(temp.File("ckpt.pt")));
        Assert.True(File.Exists(temp.File("ckpt.json")));
    }

    /// <summary>A baby run trained for a few steps in <c>run</c>, exported to <c>baby.safetensors</c>.</summary>
    private static void TrainAndExport(TempDir temp, int steps)
    {
        var train = CliRun.InProcess("train", "--model", "baby", "--steps", steps.ToString(), "--batch-size", "1", "--eval-iters", "1", "--out", temp.File("run"));
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.Equal(0, CliRun.InProcess("export", "-c", temp.File("run"), "-o", temp.File("baby.safetensors")).ExitCode);
    }

    [Fact]
    public void Import_of_a_missing_file_is_one_clear_error()
    {
        using var temp = new TempDir();
        var result = CliRun.InProcess("import", "--weights", temp.File("nope.pt"), "--model", "baby", "--out", temp.File("x"));
        BadInputTests.AssertUserError(result, "does not exist");
    }

    [Fact]
    public void Import_of_a_file_that_is_not_weights_is_one_clear_error()
    {
        using var temp = new TempDir();
        File.WriteAllText(temp.File("notes.safetensors"), "these are not weights");
        var result = CliRun.InProcess("import", "--weights", temp.File("notes.safetensors"), "--model", "baby", "--out", temp.File("x"));
        BadInputTests.AssertUserError(result, "is neither a torch.save zip nor a safetensors file");
    }

    [Fact]
    public void Export_with_an_unknown_format_is_refused()
    {
        using var temp = new TempDir();
        var result = CliRun.InProcess("export", "--checkpoint", temp.Path, "--out", temp.File("m.gguf"), "--format", "gguf");
        BadInputTests.AssertUserError(result, "--format must be pt, safetensors or onnx");
    }

    [Fact]
    public void Export_to_an_extension_that_names_no_format_is_refused()
    {
        using var temp = new TempDir();
        var result = CliRun.InProcess("export", "--checkpoint", temp.Path, "--out", temp.File("model.weights"));
        BadInputTests.AssertUserError(result, "use .pt, .safetensors or .onnx");
    }

    [Theory]
    [InlineData("baby.onnx")]
    [InlineData("baby.onnx", "--format", "onnx")]
    public void Export_to_onnx_writes_the_plain_and_cached_graphs_and_the_vocabulary(string file, params string[] format)
    {
        using var temp = new TempDir();
        var train = CliRun.InProcess("train", "--model", "baby", "--steps", "2", "--batch-size", "1", "--eval-iters", "1", "--out", temp.File("run"));
        Assert.True(train.ExitCode == 0, train.ToString());

        var export = CliRun.InProcess(["export", "-c", temp.File("run"), "-o", temp.File(file), .. format]);

        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Contains("as ONNX", export.Output);
        var header = File.ReadAllBytes(temp.File(file))[..2];
        Assert.Equal(0x08, header[0]);                                         // protobuf field 1 (ir_version), a varint
        Assert.True(File.Exists(temp.File("baby.kv.onnx")));
        Assert.True(File.Exists(temp.File("baby.json")));
        var again = CliRun.InProcess(["export", "-c", temp.File("run"), "-o", temp.File(file), .. format]);
        BadInputTests.AssertUserError(again, "already exist");
    }
}

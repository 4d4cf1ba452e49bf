namespace TinyGpt.App.Tests;

/// <summary>Every user mistake ends in one red line naming it, exit code 1 and no stack trace.</summary>
[Collection(TrainedBigramCollection.Name)]
public sealed class BadInputTests(TrainedBigram run)
{
    private const string NoCheckpoint = "/nonexistent/tinygpt-run";

    [Theory]
    [InlineData("--steps must be at least 1 (got -1)", "train", "--model", "bigram", "--steps", "-1")]
    [InlineData("--batch-size must be at least 1 (got 0)", "train", "--model", "bigram", "--batch-size", "0")]
    [InlineData("--lr must be a positive number (got 0)", "train", "--model", "bigram", "--lr", "0")]
    [InlineData("--eval-iters must be at least 1 (got 0)", "train", "--model", "bigram", "--eval-iters", "0")]
    [InlineData("Unknown model 'gpt5'. Choose one of:", "train", "--model", "gpt5")]
    [InlineData("Unknown model 'gpt5'. Choose one of:", "info", "--model", "gpt5")]
    [InlineData("--device cuda: CUDA is not available here (available: cpu only)", "train", "--model", "bigram", "--device", "cuda")]
    [InlineData("--device tpu is not a device", "train", "--model", "bigram", "--device", "tpu")]
    [InlineData("--precision must be auto, float32 or bfloat16 (got 'fp16')", "train", "--model", "bigram", "--precision", "fp16")]
    [InlineData("--precision must be auto, float32 or bfloat16 (got 'half')", "sample", "--checkpoint", NoCheckpoint, "--precision", "half")]
    [InlineData("--temperature must be a positive number (got 0)", "sample", "--checkpoint", NoCheckpoint, "--temperature", "0")]
    [InlineData("--temperature must be a positive number (got -1)", "sample", "--checkpoint", NoCheckpoint, "--temperature", "-1")]
    [InlineData("--top-k must be at least 1 (got 0)", "sample", "--checkpoint", NoCheckpoint, "--top-k", "0")]
    [InlineData("--num-samples must be at least 1 (got 0)", "sample", "--checkpoint", NoCheckpoint, "--num-samples", "0")]
    [InlineData("--device cuda: CUDA is not available here", "sample", "--checkpoint", NoCheckpoint, "--device", "cuda")]
    [InlineData("The checkpoint '/nonexistent/tinygpt-run' does not exist", "sample", "--checkpoint", NoCheckpoint)]
    [InlineData("missing required option 'checkpoint'. See 'tinygpt sample --help'.", "sample")]
    [InlineData("abc", "train", "--steps", "abc")]
    [InlineData("Unknown option 'bogus'. See 'tinygpt train --help'.", "train", "--model", "bigram", "--bogus")]
    [InlineData("The corpus file '/nonexistent/corpus.txt' does not exist", "data", "--data", "/nonexistent/corpus.txt")]
    [InlineData("The corpus file '/nonexistent/corpus.txt' does not exist", "train", "--model", "bigram", "--data", "/nonexistent/corpus.txt")]
    public void Bad_option_values_are_one_line_and_exit_1(string expected, params string[] args) =>
        AssertUserError(CliRun.InProcess(args), expected);

    [Fact]
    public void Empty_and_non_utf8_and_too_short_corpora_are_refused()
    {
        using var temp = new TempDir();
        File.WriteAllBytes(temp.File("empty.txt"), []);
        File.WriteAllBytes(temp.File("latin1.txt"), [0x63, 0x61, 0x66, 0xE9, 0x0A]);   // "café\n" in Latin-1
        File.WriteAllText(temp.File("short.txt"), "to be or not");
        AssertUserError(CliRun.InProcess("data", "--data", temp.File("empty.txt")), "is empty");
        AssertUserError(CliRun.InProcess("train", "--model", "bigram", "--data", temp.File("latin1.txt")), "is not valid UTF-8");
        AssertUserError(CliRun.InProcess("train", "--model", "bigram", "--data", temp.File("short.txt"), "--out", temp.File("run")),
            "The corpus is too short for BlockSize 8");
    }

    [Fact]
    public void A_corpus_with_more_symbols_than_the_model_tells_which_VocabSize_to_declare()
    {
        using var temp = new TempDir();
        var symbols = Enumerable.Range(0, 70).Select(i => (char)('0' + i)).ToArray();   // 70 distinct characters
        File.WriteAllText(temp.File("wide.txt"), new string(Enumerable.Range(0, 2000).Select(i => symbols[i * 3 % 70]).ToArray()));
        var result = CliRun.InProcess("train", "--model", "baby", "--data", temp.File("wide.txt"), "--out", temp.File("run"), "--steps", "1");
        AssertUserError(result, "declare it with [Gpt(VocabSize = 70)]");
    }

    [Fact]
    public void A_run_that_cannot_fit_in_memory_is_refused_before_the_model_is_built()
    {
        using var temp = new TempDir();
        var result = CliRun.InProcess("train", "--model", "shakespeare", "--batch-size", "1000000000", "--out", temp.File("run"));
        AssertUserError(result, "Training shakespeare needs ~");
        Assert.Contains("parameters: weights", result.Errors);               // the estimate, itemized
        Assert.DoesNotContain("Training shakespeare (", result.Output);     // printed only once the model exists
        Assert.False(Directory.Exists(temp.File("run")));                   // nothing written either
    }

    [Fact]
    public void An_unwritable_out_directory_is_refused()
    {
        using var temp = new TempDir();
        File.WriteAllText(temp.File("file"), "not a directory");
        var result = CliRun.InProcess(["train", .. TrainedBigram.Args(temp.File("file/run"), steps: 2)]);
        AssertUserError(result, "Cannot write to the run directory");
    }

    [Fact]
    public void A_fresh_run_into_an_earlier_run_is_refused_and_leaves_it_whole()
    {
        using var temp = new TempDir();
        var copy = run.CopyRun(temp);
        var before = RunFiles(copy);
        var result = CliRun.InProcess(["train", .. TrainedBigram.Args(copy, steps: 2)]);
        AssertUserError(result, $"'{copy}' already holds a run (BigramLanguageModel at step 20, val loss ");
        Assert.Contains("Continue it with --resume, train into another --out, or replace it with --overwrite.", result.Errors);
        Assert.Equal(before, RunFiles(copy));                              // not a byte changed

        var replaced = CliRun.InProcess(["train", .. TrainedBigram.Args(copy, steps: 2), "--overwrite"]);
        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        Assert.Equal(2, Checkpoint.Open(copy).Metadata.Step);
    }

    [Fact]
    public void Resume_and_overwrite_together_are_refused()
    {
        using var temp = new TempDir();
        AssertUserError(CliRun.InProcess("train", "--model", "bigram", "--out", run.CopyRun(temp), "--resume", "--overwrite"),
            "--resume continues the run in --out and --overwrite replaces it: give one of them.");
    }

    private static Dictionary<string, string> RunFiles(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(directory, f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

    [Fact]
    public void Resume_without_a_checkpoint_is_refused()
    {
        using var temp = new TempDir();
        AssertUserError(CliRun.InProcess("train", "--model", "bigram", "--out", temp.Path, "--resume"), "There is nothing to resume");
    }

    [Fact]
    public void A_prompt_outside_the_vocabulary_names_the_character()
    {
        var result = CliRun.InProcess("sample", "--checkpoint", run.RunDirectory, "--prompt", "Hi €");
        AssertUserError(result, "The character '€' (U+20AC) at position 3 is not in the model's vocabulary");
        Assert.Equal("", result.Output);                                   // nothing sampled before the error
    }

    [Fact]
    public void Resuming_another_models_checkpoint_names_both_models()
    {
        using var temp = new TempDir();
        var result = CliRun.InProcess("train", "--model", "baby", "--out", run.CopyRun(temp), "--resume", "--steps", "25");
        AssertUserError(result, "belongs to model BigramLanguageModel");
        Assert.Contains("not to BabyGpt", result.Errors);
    }

    [Fact]
    public void A_directory_without_checkpoint_is_refused()
    {
        using var temp = new TempDir();
        AssertUserError(CliRun.InProcess("sample", "--checkpoint", temp.Path), "holds no checkpoint");
    }

    [Fact]
    public void A_truncated_checkpoint_is_refused()
    {
        using var temp = new TempDir();
        var model = WeightsOf(run.CopyRun(temp));
        var bytes = File.ReadAllBytes(model);
        File.WriteAllBytes(model, bytes[..(bytes.Length / 2)]);
        AssertUserError(CliRun.InProcess("sample", "--checkpoint", temp.File("copy")), "is damaged: model.bin is");
    }

    [Fact]
    public void A_corrupted_checkpoint_is_refused()
    {
        using var temp = new TempDir();
        var model = WeightsOf(run.CopyRun(temp));
        var bytes = File.ReadAllBytes(model);
        bytes[^5] ^= 0xFF;
        File.WriteAllBytes(model, bytes);
        AssertUserError(CliRun.InProcess("sample", "--checkpoint", temp.File("copy")), "does not match its checksum");
    }

    [Fact]
    public void Verbose_adds_the_stack_trace()
    {
        var result = CliRun.InProcess("sample", "--checkpoint", NoCheckpoint, "--verbose");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: The checkpoint", result.ErrorLines[0]);
        Assert.Contains("TinyGptException", result.Errors);
        Assert.Contains("Checkpoint.Open", result.Errors);
    }

    [Fact]
    public void A_real_process_prints_one_line_and_exits_1()
    {
        var result = CliRun.OutOfProcess("train", "--model", "bigram", "--steps", "-1");
        AssertUserError(result, "--steps must be at least 1 (got -1)");
    }

    /// <summary>The weights file of the run's latest checkpoint (what sample loads).</summary>
    private static string WeightsOf(string runDirectory) =>
        Path.Combine(runDirectory, File.ReadAllText(Path.Combine(runDirectory, "latest")).Trim(), "model.bin");

    internal static void AssertUserError(CliResult result, string expected)
    {
        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        Assert.DoesNotMatch(@"(?m)^\s+at \S+\(", result.Errors);                // no stack frame
    }
}

namespace TinyGpt.App.Tests;

/// <summary>The CLI end to end on tiny settings: train, then sample from the checkpoint it wrote.</summary>
[Collection(TrainedBigramCollection.Name)]
public sealed class TrainAndSampleTests(TrainedBigram run)
{
    [Fact]
    public void Train_reports_progress_as_plain_lines_and_ends_with_a_sample()
    {
        var output = run.Result.Output;
        Assert.Contains("Training bigram", output);
        Assert.Contains("/20 · loss ", output);                            // periodic plain lines: no terminal here
        Assert.Contains("step 10: train loss ", output);
        Assert.Contains("step 20: train loss ", output);
        Assert.Contains("Sample", output);
        Assert.Equal("", run.Result.Errors);
    }

    [Fact]
    public void Train_writes_checkpoints_and_the_log()
    {
        Assert.True(File.Exists(Path.Combine(run.RunDirectory, "latest")));
        Assert.True(File.Exists(Path.Combine(run.RunDirectory, "best")));
        var log = File.ReadAllLines(Path.Combine(run.RunDirectory, "log.csv"));
        Assert.Equal("step,train_loss,val_loss,lr,tokens_per_s,elapsed_s", log[0]);
        Assert.Equal(20, Checkpoint.Open(run.RunDirectory).Metadata.Step);
        Assert.Equal(nameof(BigramLanguageModel), Checkpoint.Open(run.RunDirectory).Metadata.ModelName);
    }

    [Fact]
    public void Sample_streams_the_prompt_and_its_continuation()
    {
        var result = CliRun.InProcess("sample", "--checkpoint", run.RunDirectory, "--prompt", "ROMEO:", "--tokens", "40", "--seed", "7");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("ROMEO:", result.Output);
        Assert.Equal("ROMEO:".Length + 40, result.Output.TrimEnd('\n').Length);
    }

    [Fact]
    public void Sample_repeats_for_a_seed_and_separates_samples()
    {
        string[] args = ["sample", "--checkpoint", run.RunDirectory, "--tokens", "30", "--num-samples", "2", "--seed", "3"];
        var first = CliRun.InProcess(args);
        var second = CliRun.InProcess(args);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(first.Output, second.Output);
        Assert.Contains("\n---------------\n", first.Output);
    }

    [Fact]
    public void Greedy_sampling_ignores_the_seed()
    {
        var a = CliRun.InProcess("sample", "-c", run.RunDirectory, "--tokens", "25", "--top-k", "1", "--seed", "1");
        var b = CliRun.InProcess("sample", "-c", run.RunDirectory, "--tokens", "25", "--top-k", "1", "--seed", "2");
        Assert.True(a.ExitCode == 0, a.ToString());
        Assert.Equal(a.Output, b.Output);
    }

    [Fact]
    public void Resume_continues_the_run_to_more_steps_with_its_own_settings()
    {
        using var temp = new TempDir();
        var copy = run.CopyRun(temp);
        var result = CliRun.InProcess("train", "--out", copy, "--resume", "--steps", "30");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("resuming at step 20", result.Output);
        Assert.Contains("step 30: train loss ", result.Output);
        var metadata = Checkpoint.Open(copy).Metadata;
        Assert.Equal(30, metadata.Step);
        Assert.Equal(8, metadata.Options!.BatchSize);                      // kept from the run, not the bigram default
    }

    [Fact]
    public void A_split_run_with_the_full_decay_horizon_logs_exactly_what_one_long_run_logs()
    {
        using var temp = new TempDir();
        string[] common = ["--model", "baby", "--batch-size", "2", "--warmup", "2", "--eval-interval", "4", "--eval-iters", "1", "--seed", "11"];
        var whole = CliRun.InProcess(["train", .. common, "--steps", "8", "--out", temp.File("whole")]);
        Assert.True(whole.ExitCode == 0, whole.ToString());

        var half = CliRun.InProcess(["train", .. common, "--steps", "4", "--lr-decay-steps", "8", "--out", temp.File("split")]);
        Assert.True(half.ExitCode == 0, half.ToString());
        var rest = CliRun.InProcess("train", "--out", temp.File("split"), "--resume", "--steps", "8");
        Assert.True(rest.ExitCode == 0, rest.ToString());

        // step, train_loss, val_loss, lr: equal to the last digit; tokens/s and elapsed time differ by nature.
        static string[] Losses(string run) =>
            File.ReadAllLines(Path.Combine(run, "log.csv")).Select(line => string.Join(',', line.Split(',')[..4])).ToArray();
        var expected = Losses(temp.File("whole"));
        Assert.Equal(4, expected.Length);                                    // header + steps 0, 4, 8
        Assert.Equal(expected, Losses(temp.File("split")));
    }

    [Fact]
    public void Resume_keeps_the_runs_seed_unless_told_otherwise()
    {
        using var temp = new TempDir();
        var first = CliRun.InProcess(["train", .. TrainedBigram.Args(temp.Path, steps: 2), "--seed", "5"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        var resumed = CliRun.InProcess("train", "--out", temp.Path, "--resume", "--steps", "4");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(5, Checkpoint.Open(temp.Path).Metadata.Options!.Seed);
    }

    [Fact]
    public void Baby_trains_a_few_steps_and_samples_from_its_checkpoint()
    {
        using var temp = new TempDir();
        var train = CliRun.InProcess("train", "--model", "baby", "--steps", "3", "--batch-size", "2", "--eval-interval", "3",
            "--eval-iters", "1", "--out", temp.Path);
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.Contains("Training baby (804,096 parameters)", train.Output);
        Assert.Equal(nameof(Models.BabyGpt), Checkpoint.Open(temp.Path).Metadata.ModelName);

        var sample = CliRun.InProcess("sample", "--checkpoint", temp.Path, "--prompt", "KING:", "--tokens", "20");
        Assert.True(sample.ExitCode == 0, sample.ToString());
        Assert.StartsWith("KING:", sample.Output);
    }

    [Fact]
    public void Training_on_a_corpus_without_newlines_still_ends_with_a_sample()
    {
        using var temp = new TempDir();
        File.WriteAllText(temp.File("line.txt"), string.Concat(Enumerable.Repeat("to be or not to be, that is the question. ", 20)));
        var result = CliRun.InProcess(["train", .. TrainedBigram.Args(temp.File("run"), steps: 2), "--data", temp.File("line.txt")]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Sample", result.Output);
    }

    [Fact]
    public void On_a_terminal_training_draws_a_live_bar()
    {
        using var temp = new TempDir();
        var result = CliRun.InTerminal(["train", .. TrainedBigram.Args(temp.Path, steps: 4)]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("\u001b[", result.Output);                                // ANSI: the bar is redrawn in place
        Assert.Contains("100%", result.Output);
        Assert.Contains("step 4/4 · loss", result.Output);
        Assert.Contains("Sample", result.Output);
    }
}

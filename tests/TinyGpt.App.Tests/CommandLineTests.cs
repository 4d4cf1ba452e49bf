using System.Globalization;

namespace TinyGpt.App.Tests;

/// <summary>The commands that need no training: help, data, info.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("data", "--data")]
    [InlineData("info", "--model")]
    [InlineData("train", "--eval-interval")]
    [InlineData("sample", "--top-k")]
    public void Every_command_has_help(string command, string option)
    {
        var result = CliRun.InProcess(command, "--help");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(option, result.Output);
        Assert.Contains("--verbose", result.Output);
    }

    [Fact]
    public void Data_summarizes_the_embedded_corpus()
    {
        var result = CliRun.InProcess("data");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("1,115,394 characters", result.Output);
        Assert.Contains("65 distinct characters", result.Output);
        Assert.Contains("\\n ␣ ! $ & ' , - . 3 : ; ? A B C", result.Output);
        Assert.Contains("1,003,854 / 111,540 tokens", result.Output);
        Assert.Contains("First Citizen:", result.Output);
    }

    [Fact]
    public void Data_reads_a_file()
    {
        using var temp = new TempDir();
        File.WriteAllText(temp.File("abc.txt"), "abcabcabc\tcab");
        var result = CliRun.InProcess("data", "--data", temp.File("abc.txt"));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("13 characters", result.Output);
        Assert.Contains("4 distinct characters", result.Output);
        Assert.Contains("\\t a b c", result.Output);
    }

    [Fact]
    public void Info_lists_modules_shapes_and_parameters()
    {
        var result = CliRun.InProcess("info", "--model", "bigram");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("token_embedding_table", result.Output);
        Assert.Contains("[1, 8, 65]", result.Output);
        Assert.Contains("Parameters: 4,225 distinct", result.Output);
        Assert.Contains("FLOPs per token", result.Output);
        Assert.Contains("Training defaults: 3000 steps, batch 32", result.Output);
    }

    [Fact]
    public void Info_shows_the_baby_gpt_by_default()
    {
        var result = CliRun.InProcess("info");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("BabyGpt", result.Output);
        Assert.Contains("c_attn", result.Output);
        Assert.Contains("[1, 64, 384]", result.Output);                     // c_attn: q, k and v side by side
        Assert.Contains("[1, 64, 65]", result.Output);                      // the logits
        Assert.Contains("tied to transformer.wte", result.Output);          // lm_head shares the token embedding
        Assert.Contains($"Parameters: {Models.BabyGpt.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} distinct", result.Output);
        Assert.Contains(Models.BabyGpt.FlopsPerToken.ToString("N0", CultureInfo.InvariantCulture), result.Output);
        var auto = BFloat16Support.Detect(TorchSharp.torch.CPU);             // what --precision auto picks here, and why
        Assert.Contains($"--precision auto computes in {(auto.Preferred ? "bfloat16" : "float32")} ({auto.Reason})", result.Output);
    }
}

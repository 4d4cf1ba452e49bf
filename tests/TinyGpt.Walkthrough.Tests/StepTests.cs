using System.Globalization;
using System.Text.RegularExpressions;

namespace TinyGpt.Walkthrough.Tests;

/// <summary>Each step prints what it promises: the figures the lecture's notebook prints, or the properties it shows.</summary>
[Collection(WalkthroughCollection.Name)]
public sealed class StepTests(Steps steps)
{
    [Fact]
    public void Data_prints_the_notebooks_length_preview_and_alphabet()
    {
        var output = steps.Run("01-data");
        Assert.Contains("length of dataset in characters: 1,115,394", output);
        Assert.Contains("First Citizen:\nBefore we proceed any further, hear me speak.", output.ReplaceLineEndings("\n"));
        Assert.Contains(@"alphabet: \n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", output);
        Assert.Contains("vocabulary size: 65", output);
    }

    [Fact]
    public void Tokenizer_round_trips_and_splits_90_10()
    {
        var output = steps.Run("02-tokenizer");
        Assert.Contains("encode(\"hii there\") = [46, 47, 47, 1, 58, 46, 43, 56, 43]", output);
        Assert.Contains("decode(encode(\"hii there\")) = \"hii there\"", output);
        Assert.Contains("train: 1,003,854 tokens, val: 111,540 tokens", output);
        Assert.Contains("TinyGpt's Corpus and CharTokenizer give the same tokens and split: True", output);
    }

    [Fact]
    public void Batches_list_every_context_and_target_of_the_lectures_batch()
    {
        var output = steps.Run("03-batches");
        Assert.Contains("when input is [18, 47, 56, 57, 58, 1, 15, 47] the target: 58", output);
        Assert.Contains("[24, 43, 58, 5, 57, 1, 46, 43]", output);   // torch.manual_seed(1337)'s first row, as in the lecture
        Assert.Equal(8 + 4 * 8, Regex.Matches(output, "when input is ").Count);
    }

    [Fact]
    public void Bigram_trains_to_the_lectures_validation_loss()
    {
        var output = steps.Run("04-bigram");
        var last = Regex.Matches(output, @"step (\d+): train loss ([\d.]+), val loss ([\d.]+)").Last();
        Assert.Equal("2999", last.Groups[1].Value);
        var val = Number(last.Groups[3].Value);
        Assert.InRange(val, 2.40, 2.60);                                // bigram.py: about 2.49
    }

    [Fact]
    public void Averaging_trick_gives_the_same_average_three_ways()
    {
        var output = steps.Run("05-averaging");
        Assert.Contains("the three averages are equal: True", output);
        Assert.Contains("    0.1808  -0.0700", output);                 // torch.manual_seed(1337)'s x[0, 0], as in the lecture
    }

    [Fact]
    public void Self_attention_prints_causal_weights_that_sum_to_one()
    {
        var output = steps.Run("06-self-attention").ReplaceLineEndings("\n");
        var table = output[output.IndexOf("weights = softmax(scores)", StringComparison.Ordinal)..].Split('\n').Skip(2).Take(9).ToArray();
        for (var i = 0; i < table.Length; i++)
        {
            var row = table[i].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..].Select(Number).ToArray();
            Assert.Equal(9, row.Length);
            Assert.InRange(row.Sum(), 0.99, 1.01);
            Assert.All(row[(i + 1)..], w => Assert.Equal(0.0, w));     // nothing attends to the future
        }
        var variance = Regex.Match(output, @"variance of q·kᵀ: ([\d.]+) unscaled, ([\d.]+) scaled");
        Assert.InRange(Number(variance.Groups[2].Value), 0.9, 1.1);
    }

    [Fact]
    public void Transformer_progression_reproduces_the_lectures_table()
    {
        // The full schedule (4 models × 5,000 steps, about a minute on two idle cores), since the table is the claim.
        var output = steps.Run("07-transformer");
        var rows = Regex.Matches(output, @"^(one head|multi-head|\+ feed-forward|\+ residual and LayerNorm)\s+[\d,]+\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)",
            RegexOptions.Multiline);
        Assert.Equal(4, rows.Count);
        var val = rows.Select(r => Number(r.Groups[3].Value)).ToArray();
        var published = rows.Select(r => Number(r.Groups[4].Value)).ToArray();
        Assert.Equal([2.5, 2.28, 2.24, 2.06], published);
        for (var i = 0; i < 4; i++)                                      // the lecture's figures, within one run's noise
            Assert.True(Math.Abs(val[i] - published[i]) <= 0.12, $"{rows[i].Groups[1].Value}: val {val[i]}, lecture {published[i]}");
        for (var i = 1; i < 4; i++)                                      // each idea lowers the loss
            Assert.True(val[i] < val[i - 1], $"{rows[i].Groups[1].Value} ({val[i]}) should beat {rows[i - 1].Groups[1].Value} ({val[i - 1]})");
    }

    [Fact]
    public void Gpt_from_the_attribute_trains_samples_and_shows_its_generated_source()
    {
        var output = steps.Run("08-gpt");
        Assert.Contains("WalkthroughGpt: 4 layers, 4 heads of 16, Embd 64, BlockSize 32", output);
        var val = Number(Regex.Match(output, @"trained 600 steps in \d+ s: val loss ([\d.]+)").Groups[1].Value);
        Assert.InRange(val, 1.5, 2.5);                                   // better than the bigram table
        Assert.Contains("ROMEO:", output);
        var generated = Regex.Matches(output, @"^\s+(walkthrough/generated/08-gpt/\S+\.g\.cs)$", RegexOptions.Multiline);
        Assert.NotEmpty(generated);
        Assert.All(generated, g => Assert.Contains("partial class WalkthroughGpt",
            File.ReadAllText(Path.Combine(Steps.RepositoryRoot, g.Groups[1].Value))));
    }

    [Fact]
    public void Attention_maps_of_step_8s_model_are_drawn_for_every_layer_and_head()
    {
        steps.Run("08-gpt");
        var output = steps.Run("09-attention-maps");
        Assert.Contains("4 layers × 4 heads", output);
        var pictures = Regex.Matches(output, @"(runs/walkthrough/09-attention-maps/\S+\.png)").Select(m => m.Groups[1].Value).Distinct().ToArray();
        Assert.Equal(5, pictures.Length);                                // the grid and one per layer
        foreach (var picture in pictures)
        {
            var bytes = File.ReadAllBytes(Path.Combine(Steps.RepositoryRoot, picture));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
    }

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);
}

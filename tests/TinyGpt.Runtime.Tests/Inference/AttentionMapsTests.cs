using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TinyGpt.Runtime.Tests;

/// <summary>
/// The attention-weights API must return the weights the model computes: causal rows that sum to 1, equal to
/// layer 0's softmax worked out here from the model's own parameters, and a recording pass whose logits are
/// the ordinary forward pass's.
/// </summary>
public class AttentionMapsTests
{
    [Fact]
    public void Weights_are_causal_distributions_of_every_layer_and_head()
    {
        using var model = new SmallGpt(seed: 3);
        using var idx = tensor(new long[] { 1, 5, 2, 9, 4, 4, 0 }, ScalarType.Int64).view(1, 7);
        using var weights = AttentionMaps.Compute(model, idx);

        Assert.Equal(new long[] { SmallGpt.Layers, 1, SmallGpt.Heads, 7, 7 }, weights.shape);
        using var rowSums = weights.sum(-1);
        Assert.True(rowSums.allclose(ones_like(rowSums), rtol: 0, atol: 1e-5), "every row must sum to 1");
        using var above = weights.triu(1);
        Assert.Equal(0f, above.abs().max().item<float>());
        Assert.True(weights.select(-1, 0).select(-1, 0).eq(1).all().item<bool>(), "position 0 can only attend to itself");
    }

    [Fact]
    public void Layer_zero_equals_the_softmax_of_its_own_queries_and_keys()
    {
        using var model = new SmallGpt(seed: 5);
        model.eval();
        using var scope = NewDisposeScope();
        var idx = tensor(new long[] { 3, 1, 4, 1, 5, 9, 2, 6, 10, 0, 7, 8 }, ScalarType.Int64).view(2, 6);
        var weights = AttentionMaps.Compute(model, idx);

        using var noGrad = no_grad();
        var x = model.transformer.wte.forward(idx) + model.transformer.wpe.forward(arange(6L));        // [B, T, C]
        var block = model.transformer.h[0];
        var qkv = block.attn.c_attn.forward(block.ln_1.forward(x)).split(SmallGpt.Embd, dim: 2);       // 3 × [B, T, C]
        var q = qkv[0].view(2, 6, SmallGpt.Heads, SmallGpt.HeadSize).transpose(1, 2);                 // [B, nh, T, hs]
        var k = qkv[1].view(2, 6, SmallGpt.Heads, SmallGpt.HeadSize).transpose(1, 2);
        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(SmallGpt.HeadSize);                    // [B, nh, T, T]
        var future = ones(6, 6, ScalarType.Bool).triu(1);
        var expected = scores.masked_fill(future, double.NegativeInfinity).softmax(-1);

        Assert.True(weights[0].allclose(expected, rtol: 0, atol: 1e-6),
            $"max difference {(weights[0] - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void Recording_leaves_the_model_in_its_mode_and_its_logits_unchanged()
    {
        using var model = new SmallGpt(seed: 8);
        model.train();
        using var idx = tensor(new long[] { 2, 7, 1, 8, 2, 8 }, ScalarType.Int64).view(1, 6);
        using (AttentionMaps.Compute(model, idx)) { }
        Assert.True(model.training);

        model.eval();
        using var noGrad = no_grad();
        using var full = model.forward(idx);                                   // [1, T, V]
        using var cache = model.CreateCache(1);
        cache.RecordWeights();
        using var last = model.forward(idx, cache);                            // [1, V]
        foreach (var layer in cache.TakeRecordedWeights())
            layer.Dispose();
        using var expected = full.select(1, 5);
        Assert.True(last.allclose(expected, rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void A_text_gives_plain_arrays_for_its_last_BlockSize_tokens()
    {
        var corpus = Corpus.Load();
        using var model = new BabyGpt(seed: 1);
        var text = new string('a', 10) + "ROMEO: what light through yonder window breaks? It is the east, and Juliet is the sun.";
        var map = AttentionMaps.Compute(model, corpus.Tokenizer, text);

        Assert.Equal(BabyGpt.Layers, map.Layers);
        Assert.Equal(BabyGpt.Heads, map.Heads);
        Assert.Equal(BabyGpt.BlockSize, map.Tokens.Count);
        Assert.Equal(text[^BabyGpt.BlockSize..], string.Concat(map.Tokens));
        var row = Enumerable.Range(0, BabyGpt.BlockSize).Sum(j => map.Weights[3][2][40, j]);
        Assert.Equal(1.0, row, 4);
    }

    [Fact]
    public void The_bigram_baseline_has_no_attention_to_show()
    {
        using var model = new BigramLanguageModel(65);
        using var idx = zeros(1, 4, ScalarType.Int64);
        var error = Assert.Throws<ArgumentException>(() => AttentionMaps.Compute(model, idx));
        Assert.Contains("no attention", error.Message);
    }

    [Fact]
    public void The_heat_map_is_a_png_of_one_square_a_head()
    {
        using var model = new SmallGpt(seed: 2);
        var tokenizer = CharTokenizer.FromVocabulary(" abcdefghij");
        var map = AttentionMaps.Compute(model, tokenizer, "a bad cab");

        var grid = AttentionHeatMap.RenderPng(map);
        var one = AttentionHeatMap.RenderPng(map, layer: 1, head: 0);
        Assert.Equal((SmallGpt.Heads * 320, SmallGpt.Layers * 320), PngSize(grid));
        Assert.Equal((320, 320), PngSize(one));
        Assert.Throws<ArgumentOutOfRangeException>(() => AttentionHeatMap.RenderPng(map, layer: 2));
        Assert.Equal("␣", AttentionHeatMap.Label(" "));
    }

    [Fact]
    public void Tick_labels_use_a_font_that_draws_the_white_space_symbols()
    {
        string[] labels = [AttentionHeatMap.Label(" "), AttentionHeatMap.Label("\n"), "a", "Z", "!"];
        var name = AttentionHeatMap.TickFont(labels);

        using var typeface = ScottPlot.Fonts.GetTypeface(name, ScottPlot.FontWeight.Normal, ScottPlot.FontSlant.Upright,
            ScottPlot.FontSpacing.Normal);
        // Fails where no installed font has them (the picture would show boxes): .ci/run installs fonts-dejavu-core.
        Assert.True(typeface.ContainsGlyphs(string.Concat(labels)), $"{name} lacks some of {string.Concat(labels)}");
    }

    private static (int Width, int Height) PngSize(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        int Read(int at) => (png[at] << 24) | (png[at + 1] << 16) | (png[at + 2] << 8) | png[at + 3];
        return (Read(16), Read(20));
    }
}

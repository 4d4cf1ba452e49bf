using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TinyGpt.Runtime.Tests;

[Collection(TorchDefaultGenerator.Name)]
public class FastDropoutTests
{
    [Fact]
    public void Training_zeroes_about_p_of_the_elements_and_scales_the_rest()
    {
        torch.random.manual_seed(1);
        using var dropout = new FastDropout(0.2);
        using var x = rand(1000, 1001) + 0.5f;                             // odd length: several chunks, a ragged last one
        using var y = dropout.forward(x);
        Assert.Equal(x.shape, y.shape);
        using var kept = y.ne(0);
        var keptFraction = kept.to(ScalarType.Float32).mean().item<float>();
        Assert.InRange(keptFraction, 0.798, 0.802);                        // 1,001,000 draws: σ ≈ 0.0004
        Assert.True(y.masked_select(kept).allclose(x.masked_select(kept) * 1.25));
        using var lastRow = y[-1].ne(0).to(ScalarType.Float32).mean();   // the tail of the last chunk drops too
        Assert.InRange(lastRow.item<float>(), 0.7, 0.9);
    }

    [Theory]
    [InlineData(0.2)]   // scale 1.25: bfloat16 holds it, the mask carries it
    [InlineData(0.1)]   // scale 1/0.9: bfloat16 cannot, so it is applied after the mask
    public void Bfloat16_keeps_its_dtype_and_the_exact_scale(double p)
    {
        torch.random.manual_seed(4);
        using var dropout = new FastDropout(p);
        using var x = ones(400, 500, dtype: ScalarType.BFloat16);
        using var y = dropout.forward(x);
        Assert.Equal(ScalarType.BFloat16, y.dtype);
        using var kept = y.ne(0);
        Assert.InRange(kept.to(ScalarType.Float32).mean().item<float>(), 1 - p - 0.005, 1 - p + 0.005);
        var value = y.masked_select(kept).to(ScalarType.Float32).mean().item<float>();
        Assert.Equal(1 / (1 - p), value, 2);                                 // to bfloat16's precision
    }

    [Fact]
    public void Eval_mode_and_p_zero_pass_the_input_through()
    {
        using var x = randn(64, 64);
        using var dropout = new FastDropout(0.5);
        dropout.eval();
        Assert.True(dropout.forward(x).equal(x).all().item<bool>());
        using var none = new FastDropout(0);
        Assert.True(none.forward(x).equal(x).all().item<bool>());
    }

    [Fact]
    public void Masks_follow_torchs_seed()
    {
        using var x = ones(300, 300);
        using var dropout = new FastDropout(0.3);
        Tensor Draw(long seed)
        {
            torch.random.manual_seed(seed);
            return dropout.forward(x);
        }
        using var a = Draw(5);
        using var b = Draw(5);
        using var c = Draw(6);
        Assert.True(a.equal(b).all().item<bool>());
        Assert.False(a.equal(c).all().item<bool>());
    }

    [Theory]
    [InlineData(ScalarType.Float32)]   // FastDropout's own masks
    [InlineData(ScalarType.Float64)]   // a Bernoulli mask from the same generator
    public void With_a_generator_of_its_own_the_masks_follow_it_and_not_torchs_seed(ScalarType dtype)
    {
        using var x = ones(300, 300, dtype: dtype);
        using var generator = new Generator(11);
        using var dropout = new FastDropout(0.3, generator);
        Tensor Draw(long generatorSeed, long torchSeed)
        {
            generator.manual_seed(generatorSeed);
            torch.random.manual_seed(torchSeed);
            return dropout.forward(x);
        }
        using var a = Draw(5, torchSeed: 1);
        using var b = Draw(5, torchSeed: 2);
        using var c = Draw(6, torchSeed: 1);
        Assert.Equal(dtype, a.dtype);
        Assert.True(a.equal(b).all().item<bool>());
        Assert.False(a.equal(c).all().item<bool>());
        using var kept = a.ne(0);
        Assert.InRange(kept.to(ScalarType.Float32).mean().item<float>(), 0.69, 0.71);
        Assert.Equal(1 / 0.7, a.masked_select(kept).to(ScalarType.Float64).mean().item<double>(), 5);
    }

    [Fact]
    public void The_gradient_is_the_mask_times_the_scale()
    {
        torch.random.manual_seed(2);
        using var dropout = new FastDropout(0.25);
        using var x = randn(50, 40, requires_grad: true);
        using var y = dropout.forward(x);
        y.sum().backward();
        using var expected = y.ne(0).to(ScalarType.Float32) / 0.75;
        Assert.True(x.grad!.allclose(expected));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Probabilities_outside_0_to_1_are_refused(double p) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new FastDropout(p));

    [Fact]
    public void Training_attention_agrees_with_the_fused_kernel_of_eval_mode()
    {
        AgreeAcrossModes(new NearlyNoDropoutGpt(), tolerance: 1e-5);
        AgreeAcrossModes(new NearlyNoDropoutBf16Gpt(), tolerance: 0.05);   // bfloat16 scores and weights in training
        AgreeAcrossModes(new PrecisionBf16Gpt(), tolerance: 0.05);          // bfloat16 without dropout attends explicitly too
    }

    private static void AgreeAcrossModes(LanguageModel model, double tolerance)
    {
        torch.random.manual_seed(3);
        using (model)
        using (var idx = randint(0, 13, [3, 16], dtype: ScalarType.Int64))
        {
            model.train();
            using var training = model.forward(idx);
            model.eval();
            using var eval = model.forward(idx);
            var difference = (training - eval).abs().max().item<float>();
            Assert.True(difference < tolerance, $"{model.GetName()}: max |train − eval| = {difference}");
            Assert.True(difference > 0 || tolerance < 1e-3, "the bfloat16 path should differ a little from float32");
        }
    }
}

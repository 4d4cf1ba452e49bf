using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TinyGpt.Runtime.Tests;

/// <summary>Generated modules at run time: parameters, nanoGPT's names, shapes, guards, tying, init.</summary>
public class GeneratedModelTests
{
    /// <summary>The address of a tensor's storage: shared weights share it, whatever wrapper holds them.</summary>
    private static IntPtr StorageOf(Tensor tensor) => tensor.storage<float>().data_ptr();

    /// <summary>Counts each parameter tensor once, however many modules list it (a tied weight has two owners).</summary>
    private static long DistinctParameterCount(nn.Module model) =>
        model.parameters().DistinctBy(StorageOf).Sum(p => p.numel());

    [Fact]
    public void ParameterCount_counts_each_distinct_parameter_once()
    {
        using var tied = new SmallGpt();
        using var untied = new SmallBiasedUntiedGpt();
        using var baby = new BabyGpt();

        Assert.Equal(SmallGpt.ParameterCount, DistinctParameterCount(tied));
        Assert.Equal(SmallBiasedUntiedGpt.ParameterCount, DistinctParameterCount(untied));
        Assert.Equal(BabyGpt.ParameterCount, DistinctParameterCount(baby));
        Assert.Equal(804_096L, BabyGpt.ParameterCount); // nanoGPT prints 0.80M for this config
    }

    [Fact]
    public void FlopsPerToken_is_nanoGPTs_estimate_without_position_embeddings()
    {
        long n = BabyGpt.ParameterCount - BabyGpt.BlockSize * BabyGpt.Embd;
        Assert.Equal(BabyGpt.FlopsPerToken, 6 * n + 12L * BabyGpt.Layers * BabyGpt.Heads * BabyGpt.HeadSize * BabyGpt.BlockSize);
    }

    [Fact]
    public void Config_holds_the_attribute_values()
    {
        using var model = new SmallBiasedUntiedGpt();
        Assert.Equal(new GptConfig(2, 2, 16, 8, 11, 0.0, Bias: true, TieWeights: false), model.Config);
        Assert.Same(SmallBiasedUntiedGpt.Hyperparameters, model.Config);
    }

    public static IEnumerable<string> NanoGptKeys(int layers, bool bias, bool includeBias = true)
    {
        IEnumerable<string> Weighted(string name) =>
            bias && includeBias ? [name + ".weight", name + ".bias"] : [name + ".weight"];

        yield return "transformer.wte.weight";
        yield return "transformer.wpe.weight";
        for (var i = 0; i < layers; i++)
            foreach (var part in new[] { "ln_1", "attn.c_attn", "attn.c_proj", "ln_2", "mlp.c_fc", "mlp.c_proj" })
                foreach (var key in Weighted($"transformer.h.{i}.{part}"))
                    yield return key;
        foreach (var key in Weighted("transformer.ln_f"))
            yield return key;
        yield return "lm_head.weight";
    }

    [Fact]
    public void State_dict_keys_are_nanoGPTs_without_bias()
    {
        using var model = new SmallGpt();
        Assert.Equal(NanoGptKeys(2, bias: false), model.state_dict().Keys);
    }

    [Fact]
    public void State_dict_keys_are_nanoGPTs_with_bias()
    {
        using var model = new SmallBiasedUntiedGpt();
        Assert.Equal(NanoGptKeys(2, bias: true), model.state_dict().Keys);
    }

    [Fact]
    public void Forward_gives_logits_for_every_position()
    {
        using var model = new SmallGpt();
        using var idx = randint(0, 11, [3, 8], dtype: int64);

        using var logits = model.forward(idx);
        Assert.Equal([3L, 8, 11], logits.shape);
        Assert.Equal(ScalarType.Float32, logits.dtype);

        using var single = model.forward(idx[.., ..1]);
        Assert.Equal([3L, 1, 11], single.shape);

        using var targets = randint(0, 11, [3, 8], dtype: int64);
        var (withLoss, loss) = model.forward(idx, targets);
        using (withLoss)
        using (loss)
        {
            Assert.Equal([3L, 8, 11], withLoss.shape);
            Assert.Empty(loss.shape);
            // Freshly initialized logits are near zero: the loss is near ln(VocabSize).
            Assert.InRange(loss.item<float>(), Math.Log(11) - 0.3, Math.Log(11) + 0.3);
        }
    }

    [Fact]
    public void Submodules_map_residual_streams_to_residual_streams()
    {
        using var model = new SmallGpt();
        using var x = randn(2, 5, SmallGpt.Embd);
        var block = model.transformer.h[0];
        Assert.Equal([2L, 5, 16], block.forward(x).shape);
        Assert.Equal([2L, 5, 16], block.attn.forward(x).shape);
        Assert.Equal([2L, 5, 16], block.mlp.forward(x).shape);
    }

    [Theory]
    [InlineData(new long[] { 2, 9 }, "int64 [2, 9]")]
    [InlineData(new long[] { 2, 0 }, "int64 [2, 0]")]
    [InlineData(new long[] { 8 }, "int64 [8]")]
    [InlineData(new long[] { 1, 2, 3 }, "int64 [1, 2, 3]")]
    public void Forward_guards_its_input(long[] shape, string got)
    {
        using var model = new SmallGpt();
        using var idx = zeros(shape, dtype: int64);

        var error = Assert.Throws<ArgumentException>(() => model.forward(idx));
        Assert.Equal("idx", error.ParamName);
        Assert.StartsWith($"SmallGpt.forward: idx must be int64 [B, T] with 1 ≤ T ≤ BlockSize (8); got {got}", error.Message);
    }

    [Fact]
    public void Forward_rejects_non_integer_ids()
    {
        using var model = new SmallGpt();
        using var idx = zeros([2, 4], dtype: float32);

        // The run-time guard is under test, so the call the shape analyzer rightly flags is meant.
#pragma warning disable TGPT112
        var error = Assert.Throws<ArgumentException>(() => model.forward(idx));
#pragma warning restore TGPT112
        Assert.StartsWith("SmallGpt.forward: idx must be int64 [B, T] with 1 ≤ T ≤ BlockSize (8); got float32 [2, 4]", error.Message);
    }

    [Fact]
    public void Shape_checks_name_the_place_and_both_shapes_and_can_be_switched_off()
    {
        using var t = zeros(2, 1, 11);
        var error = Assert.Throws<InvalidOperationException>(() => Shapes.Check(t, "BabyGpt.forward", "logits", 2, 8, 11));
        Assert.Equal("BabyGpt.forward: logits must be [2, 8, 11]; got float32 [2, 1, 11]", error.Message);

        using var model = new SmallGpt();
        using var idx = zeros([1, 3], dtype: int64);
        Assert.True(model.CheckShapes);
        long before = Shapes.ChecksOnThisThread;
        Assert.Equal([1L, 3, 11], model.forward(idx).shape);
        long checkedOn = Shapes.ChecksOnThisThread - before;
        // At least after the embeddings, after each block and on the logits.
        Assert.True(checkedOn >= SmallGpt.Layers + 2, $"{checkedOn} internal shape checks ran with CheckShapes = true");

        model.CheckShapes = false;
        before = Shapes.ChecksOnThisThread;
        Assert.Equal([1L, 3, 11], model.forward(idx).shape);
        Assert.Equal(0, Shapes.ChecksOnThisThread - before);
    }

    [Fact]
    public void Tied_weights_are_one_tensor()
    {
        using var model = new SmallGpt();
        // Embedding.weight returns a fresh wrapper on each read: compare the storage, not the wrapper.
        Assert.Equal(StorageOf(model.lm_head.weight!), StorageOf(model.transformer.wte.weight!));

        using (no_grad())
            model.lm_head.weight!.fill_(0.5f);
        Assert.Equal(0.5f, model.transformer.wte.weight![3, 7].item<float>());

        using var untied = new SmallBiasedUntiedGpt();
        Assert.NotEqual(StorageOf(untied.lm_head.weight!), StorageOf(untied.transformer.wte.weight!));

        // Tied as nanoGPT ties (wte takes lm_head's Parameter), the weight is listed once: an optimizer
        // built from parameters() updates it once per step. state_dict still names both keys.
        Assert.Equal(model.parameters().Count(), model.parameters().DistinctBy(StorageOf).Count());
        Assert.Equal(StorageOf(model.state_dict()["lm_head.weight"]), StorageOf(model.state_dict()["transformer.wte.weight"]));
    }

    [Fact]
    public void Initialization_is_nanoGPTs()
    {
        using var model = new BabyGpt(seed: 1234);
        const double std = 0.02;
        var residualStd = 0.02 / Math.Sqrt(2 * BabyGpt.Layers);

        static void AssertStd(double expected, Tensor weight, string name)
        {
            Assert.InRange(weight.mean().item<float>(), -expected * 0.05, expected * 0.05);
            var actual = weight.std().item<float>();
            Assert.True(Math.Abs(actual - expected) < expected * 0.05, $"{name}: std {actual}, expected {expected}");
        }

        AssertStd(std, model.transformer.wte.weight!, "wte");
        AssertStd(std, model.transformer.wpe.weight!, "wpe");
        var blocks = model.transformer.h;
        AssertStd(std, cat(blocks.Select(b => b.attn.c_attn.weight!.flatten()).ToArray()), "c_attn");
        AssertStd(std, cat(blocks.Select(b => b.mlp.c_fc.weight!.flatten()).ToArray()), "c_fc");
        AssertStd(residualStd, cat(blocks.Select(b => b.attn.c_proj.weight!.flatten()).ToArray()), "attn.c_proj");
        AssertStd(residualStd, cat(blocks.Select(b => b.mlp.c_proj.weight!.flatten()).ToArray()), "mlp.c_proj");
        Assert.True(model.transformer.ln_f.weight!.eq(1).all().item<bool>());
        Assert.Null(model.transformer.ln_f.bias);
    }

    [Fact]
    public void Biases_start_at_zero_and_layer_norms_at_one()
    {
        using var model = new SmallBiasedUntiedGpt();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (name.EndsWith(".bias"))
                Assert.True(parameter.eq(0).all().item<bool>(), name);
            else if (name.Contains("ln_"))
                Assert.True(parameter.eq(1).all().item<bool>(), name);
        }
    }

    [Fact]
    public void Dropout_applies_in_training_only()
    {
        using var model = new SmallDropoutGpt();
        using var idx = randint(0, 11, [2, 8], dtype: int64);

        model.eval();
        using (var first = model.forward(idx))
        using (var second = model.forward(idx))
            Assert.True(first.equal(second).all().item<bool>());

        model.train();
        using (var first = model.forward(idx))
        using (var second = model.forward(idx))
            Assert.False(first.equal(second).all().item<bool>());
    }

    [Fact]
    public void Attention_is_causal_a_position_never_sees_later_tokens()
    {
        using var model = new SmallGpt(seed: 7);
        model.eval();
        using var tokens = new Generator(7);
        using var idx = randint(0, 11, [2, 8], dtype: int64, generator: tokens);
        using var changed = idx.clone();
        changed[.., 5..] = (idx[.., 5..] + randint(1, 11, [2, 3], dtype: int64, generator: tokens)) % 11;   // every one differs

        using var before = model.forward(idx);
        using var after = model.forward(changed);
        Assert.True(before[.., ..5].allclose(after[.., ..5], rtol: 0, atol: 1e-6));
        Assert.False(before[.., 5..].allclose(after[.., 5..], rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Gelu_is_the_exact_erf_form_and_layer_norms_use_eps_1e_5()
    {
        using var model = new SmallGpt();
        using var x = linspace(-4, 4, 101);
        using var exact = 0.5 * x * (1 + special.erf(x / Math.Sqrt(2)));
        Assert.True(model.transformer.h[0].mlp.gelu.forward(x).allclose(exact, rtol: 0, atol: 1e-6));

        Assert.Equal(1e-5, model.transformer.ln_f.eps);
        Assert.Equal(1e-5, model.transformer.h[1].ln_1.eps);
    }
}

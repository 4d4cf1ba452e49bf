using Xunit;
using static TorchSharp.torch;

namespace TinyGpt.Runtime.Tests;

[Gpt(Layers = 1, Heads = 2, Embd = 16, BlockSize = 16, VocabSize = 16)]
public partial class PrecisionRunGpt;

/// <summary>
/// The precision is a run-time choice: a model switched to a precision computes exactly as a model
/// generated with it, the trainer applies <see cref="TrainingOptions.Precision"/>, checkpoints record
/// what a run used, and a resumed run keeps it unless told otherwise.
/// </summary>
public class PrecisionChoiceTests
{
    private static Tensor Tokens() => randint(0, PrecisionFp32Gpt.VocabSize, [2, PrecisionFp32Gpt.BlockSize],
        generator: new TorchSharp.torch.Generator(9), dtype: ScalarType.Int64);

    /// <summary>Logits in eval mode (fused attention) and in training mode (explicit attention in bfloat16).</summary>
    private static (Tensor Eval, Tensor Train) Logits(LanguageModel model, Tensor idx)
    {
        using var _ = no_grad();
        model.eval();
        var eval = model.forward(idx);
        model.train();
        var train = model.forward(idx);
        return (eval, train);
    }

    [Fact]
    public void A_float32_model_switched_to_bfloat16_computes_exactly_as_a_bfloat16_model()
    {
        using var switched = new PrecisionFp32Gpt(seed: 1);
        using var generated = new PrecisionBf16Gpt();
        generated.load_state_dict(switched.state_dict());
        switched.ComputePrecision = Precision.BFloat16;
        Assert.Equal(ScalarType.BFloat16, switched.ComputeDtype);

        using var idx = Tokens();
        var (eval, train) = Logits(switched, idx);
        var (expectedEval, expectedTrain) = Logits(generated, idx);
        Assert.True(eval.eq(expectedEval).all().item<bool>());
        Assert.True(train.eq(expectedTrain).all().item<bool>());
        Assert.Equal(ScalarType.Float32, eval.dtype);
    }

    [Fact]
    public void A_bfloat16_model_switched_to_float32_computes_exactly_as_a_float32_model()
    {
        using var switched = new PrecisionBf16Gpt(seed: 2);
        using var generated = new PrecisionFp32Gpt();
        generated.load_state_dict(switched.state_dict());
        Assert.Equal(Precision.BFloat16, switched.ComputePrecision);   // the attribute's default
        switched.ComputePrecision = Precision.Float32;

        using var idx = Tokens();
        var (eval, train) = Logits(switched, idx);
        var (expectedEval, expectedTrain) = Logits(generated, idx);
        Assert.True(eval.eq(expectedEval).all().item<bool>());
        Assert.True(train.eq(expectedTrain).all().item<bool>());
    }

    [Fact]
    public void Auto_becomes_what_this_machine_offers()
    {
        using var model = new PrecisionFp32Gpt(seed: 3);
        model.ComputePrecision = Precision.Auto;
        Assert.Equal(BFloat16Support.Detect(CPU).Preferred ? Precision.BFloat16 : Precision.Float32, model.ComputePrecision);
    }

    [Fact]
    public void A_checkpoint_records_the_precision_and_a_resumed_run_keeps_it()
    {
        var corpus = Tiny.Corpus();
        using var dir = new TempDir();
        var options = Tiny.Options(4) with { EvalInterval = 4 };

        using (var first = new PrecisionRunGpt(seed: 1))
            new Trainer(first, corpus, options with { Precision = Precision.BFloat16 }, dir.Path).Train();
        Assert.Equal(Precision.BFloat16, Checkpoint.Open(dir.Path).Metadata.ComputePrecision);

        using (var resumed = new PrecisionRunGpt(seed: 1))
        {
            Assert.Equal(Precision.Float32, resumed.ComputePrecision);
            new Trainer(resumed, corpus, options with { Steps = 8, Resume = true }, dir.Path).Train();
            Assert.Equal(Precision.BFloat16, resumed.ComputePrecision);
        }
        Assert.Equal(Precision.BFloat16, Checkpoint.Open(dir.Path).Metadata.ComputePrecision);

        using (var told = new PrecisionRunGpt(seed: 1))
            new Trainer(told, corpus, options with { Steps = 12, Resume = true, Precision = Precision.Float32 }, dir.Path).Train();
        Assert.Equal(Precision.Float32, Checkpoint.Open(dir.Path).Metadata.ComputePrecision);
    }

    [Fact]
    public void A_run_without_a_precision_computes_in_the_model_s_own()
    {
        var corpus = Tiny.Corpus();
        using var dir = new TempDir();
        using var model = new PrecisionRunGpt(seed: 1);
        new Trainer(model, corpus, Tiny.Options(2), dir.Path).Train();
        Assert.Equal(Precision.Float32, Checkpoint.Open(dir.Path).Metadata.ComputePrecision);
    }

    [Fact]
    public void An_undefined_precision_is_refused_by_its_property() =>
        LibraryError.Assert(() => (Tiny.Options() with { Precision = (Precision)7 }).Validate(), "TrainingOptions.Precision", "must be Float32, BFloat16 or Auto");
}

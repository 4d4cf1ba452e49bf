using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace TinyGpt.Runtime.Tests;

/// <summary>
/// The trainer's flat AdamW must move the weights as TorchSharp's per-tensor AdamW does, and its clipping
/// must scale the gradients as <c>clip_grad_norm_</c> does; weight tying must survive the move into one buffer.
/// </summary>
public class FlatAdamWTests
{
    private static readonly TrainingOptions Options = new() { LearningRate = 3e-3, WeightDecay = 0.1, Beta1 = 0.9, Beta2 = 0.99 };

    /// <summary>Two models with the same weights, the first stepped by the flat AdamW, the second by TorchSharp's.</summary>
    private static (PrecisionFp32Gpt Flat, PrecisionFp32Gpt PerTensor) Twins()
    {
        var flat = new PrecisionFp32Gpt(seed: 11);
        var perTensor = new PrecisionFp32Gpt(seed: 11);
        return (flat, perTensor);
    }

    private static AdamW PerTensorAdamW(nn.Module model)
    {
        var parameters = LanguageModel.DistinctNamedParameters(model).Select(np => np.Parameter).ToList();
        return optim.AdamW([
            new AdamW.ParamGroup(parameters.Where(p => p.dim() >= 2), Options.LearningRate, Options.Beta1, Options.Beta2, 1e-8, Options.WeightDecay),
            new AdamW.ParamGroup(parameters.Where(p => p.dim() < 2), Options.LearningRate, Options.Beta1, Options.Beta2, 1e-8, 0.0)],
            Options.LearningRate, Options.Beta1, Options.Beta2, 1e-8, Options.WeightDecay);
    }

    private static Tensor Loss(LanguageModel model, int step)
    {
        using var random = new Generator((ulong)(100 + step));
        var idx = randint(0, PrecisionFp32Gpt.VocabSize, [3, PrecisionFp32Gpt.BlockSize], generator: random, dtype: ScalarType.Int64);
        var targets = randint(0, PrecisionFp32Gpt.VocabSize, [3, PrecisionFp32Gpt.BlockSize], generator: random, dtype: ScalarType.Int64);
        return model.forward(idx, targets).Loss;
    }

    [Fact]
    public void A_few_steps_give_the_per_tensor_parameters()
    {
        var (flatModel, referenceModel) = Twins();
        using (flatModel)
        using (referenceModel)
        using (var flat = Trainer.CreateFlatOptimizer(flatModel, Options))
        using (var reference = PerTensorAdamW(referenceModel))
        {
            for (var step = 0; step < 5; step++)
            {
                using var scope = NewDisposeScope();
                foreach (var (optimizer, model) in new (OptimizerHelper, LanguageModel)[] { (flat, flatModel), (reference, referenceModel) })
                {
                    optimizer.zero_grad();
                    Loss(model, step).backward();
                }
                flat.ClipGradNorm(0.5);
                nn.utils.clip_grad_norm_(reference.parameters(), 0.5);
                flat.step();
                reference.step();
            }
            var expected = referenceModel.state_dict();
            foreach (var (name, actual) in flatModel.state_dict())
                Assert.True(actual.allclose(expected[name], rtol: 1e-5, atol: 1e-6),
                    $"{name} differs by {(actual - expected[name]).abs().max().item<float>():G3}");
        }
    }

    [Fact]
    public void Groups_with_their_own_learning_rates_are_stepped_each_at_its_own()
    {
        var (flatModel, referenceModel) = Twins();
        using (flatModel)
        using (referenceModel)
        {
            // The decay group at the options' rate, the other at ten times it: the flat step cannot share one pass.
            static List<AdamW.ParamGroup> Groups(nn.Module model)
            {
                var parameters = LanguageModel.DistinctNamedParameters(model).Select(np => np.Parameter).ToList();
                return [
                    new(parameters.Where(p => p.dim() >= 2), Options.LearningRate, Options.Beta1, Options.Beta2, 1e-8, Options.WeightDecay),
                    new(parameters.Where(p => p.dim() < 2), 10 * Options.LearningRate, Options.Beta1, Options.Beta2, 1e-8, 0.0)];
            }
            using var flat = new FlatAdamW(Groups(flatModel), Options.LearningRate, Options.Beta1, Options.Beta2, 1e-8, Options.WeightDecay);
            using var reference = optim.AdamW(Groups(referenceModel), Options.LearningRate, Options.Beta1, Options.Beta2, 1e-8, Options.WeightDecay);
            for (var step = 0; step < 3; step++)
            {
                using var scope = NewDisposeScope();
                flat.zero_grad();
                Loss(flatModel, step).backward();
                reference.zero_grad();
                Loss(referenceModel, step).backward();
                flat.step();
                reference.step();
            }
            var expected = referenceModel.state_dict();
            foreach (var (name, actual) in flatModel.state_dict())
                Assert.True(actual.allclose(expected[name], rtol: 1e-5, atol: 1e-6),
                    $"{name} differs by {(actual - expected[name]).abs().max().item<float>():G3}");
        }
    }

    [Theory]
    [InlineData(1e-3)]   // clips
    [InlineData(1e3)]    // leaves the gradients alone
    public void Clipping_gives_clip_grad_norm_s_gradients(double maxNorm)
    {
        var (flatModel, referenceModel) = Twins();
        using (flatModel)
        using (referenceModel)
        using (var flat = Trainer.CreateFlatOptimizer(flatModel, Options))
        {
            using var scope = NewDisposeScope();
            flat.zero_grad();
            Loss(flatModel, 0).backward();
            Loss(referenceModel, 0).backward();
            var norm = nn.utils.clip_grad_norm_(referenceModel.parameters().DistinctBy(p => p.Handle), maxNorm);
            flat.ClipGradNorm(maxNorm);
            var reference = referenceModel.named_parameters().ToDictionary(np => np.name, np => np.parameter.grad!);
            double squares = 0;
            foreach (var (name, p) in flatModel.named_parameters())
            {
                Assert.True(p.grad!.allclose(reference[name], rtol: 1e-4, atol: 1e-8), name);
                squares += p.grad!.square().sum().item<float>();
            }
            var expected = Math.Min(norm, maxNorm);
            Assert.InRange(Math.Sqrt(squares), expected * (1 - 1e-4), expected * (1 + 1e-4));
        }
    }

    [Fact]
    public void The_tied_weight_stays_one_tensor_in_the_flat_buffer()
    {
        using var model = new PrecisionFp32Gpt(seed: 3);
        using var optimizer = Trainer.CreateFlatOptimizer(model, Options);
        using (no_grad())
            model.lm_head.weight!.add_(1.0f);
        Assert.True(model.transformer.wte.weight!.allclose(model.lm_head.weight!));
        Assert.Equal(PrecisionFp32Gpt.ParameterCount, optimizer.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void A_run_continues_from_its_saved_weights_and_state_as_a_checkpoint_resumes()
    {
        using var model = new PrecisionFp32Gpt(seed: 5);
        using var optimizer = Trainer.CreateFlatOptimizer(model, Options);
        Step(model, optimizer, 0);
        using var weights = new MemoryStream();
        using var state = new MemoryStream();
        model.save(new BinaryWriter(weights));
        optimizer.save_state_dict(new BinaryWriter(state));

        using var resumed = new PrecisionFp32Gpt(seed: 6);                 // other weights, overwritten by the load
        using var restored = Trainer.CreateFlatOptimizer(resumed, Options);  // flattened first, as the trainer does
        weights.Position = 0;
        state.Position = 0;
        resumed.load(new BinaryReader(weights));
        restored.load_state_dict(new BinaryReader(state));

        Step(model, optimizer, 1);
        Step(resumed, restored, 1);
        var expected = model.state_dict();
        foreach (var (name, actual) in resumed.state_dict())
            Assert.True(actual.eq(expected[name]).all().item<bool>(), name);
    }

    private static void Step(LanguageModel model, FlatAdamW optimizer, int step)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        Loss(model, step).backward();
        optimizer.ClipGradNorm(1.0);
        optimizer.step();
    }
}

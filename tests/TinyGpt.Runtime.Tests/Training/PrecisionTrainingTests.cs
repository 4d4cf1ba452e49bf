using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TinyGpt.Runtime.Tests;

/// <summary>
/// BFloat16 compute keeps float32 master weights and must learn like float32: from the same weights on
/// the same batches, the loss after a short training run stays within bfloat16's noise of float32's.
/// </summary>
public class PrecisionTrainingTests
{
    [Fact]
    public void BFloat16_keeps_float32_weights_and_returns_float32_logits()
    {
        using var model = new PrecisionBf16Gpt(seed: 3);
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        using var scope = NewDisposeScope();
        using var tokens = new Generator(3);
        var idx = randint(0, PrecisionBf16Gpt.VocabSize, [2, 5], dtype: ScalarType.Int64, generator: tokens);
        var (logits, loss) = model.forward(idx, idx);
        Assert.Equal(ScalarType.Float32, logits.dtype);
        Assert.Equal(ScalarType.Float32, loss.dtype);
        loss.backward();
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.grad!.dtype));
    }

    [Fact]
    public void BFloat16_loss_after_training_is_within_noise_of_float32()
    {
        using var fp32 = new PrecisionFp32Gpt(seed: 42);
        using var bf16 = new PrecisionBf16Gpt(seed: 42);
        bf16.load_state_dict(fp32.state_dict());                          // same names, same starting weights

        var fp32Losses = Train(fp32);
        var bf16Losses = Train(bf16);

        Assert.True(fp32Losses[^1] < fp32Losses[0] - 0.5, $"float32 did not learn: {fp32Losses[0]:F3} → {fp32Losses[^1]:F3}");
        var gap = Math.Abs(bf16Losses[^1] - fp32Losses[^1]);
        Assert.True(gap < 0.05 * fp32Losses[^1] + 0.02,
            $"after {Steps} steps bfloat16 reached {bf16Losses[^1]:F4}, float32 {fp32Losses[^1]:F4}");
    }

    private const int Steps = 80;

    /// <summary>AdamW as nanoGPT on a fixed, learnable sequence; the mean loss of the last 10 steps, per step.</summary>
    private static List<double> Train(LanguageModel model)
    {
        using var optimizer = optim.AdamW(model.parameters(), lr: 3e-3, beta1: 0.9, beta2: 0.99, weight_decay: 0.1);
        var text = Enumerable.Range(0, 4000).Select(i => (long)((i * 7 + i / 13) % PrecisionFp32Gpt.VocabSize)).ToArray();
        var random = new Random(5);
        var losses = new List<double>();
        model.train();
        for (var step = 0; step < Steps; step++)
        {
            using var scope = NewDisposeScope();
            const int batch = 8, block = PrecisionFp32Gpt.BlockSize;
            var x = new long[batch * block];
            var y = new long[batch * block];
            for (var b = 0; b < batch; b++)
            {
                var start = random.Next(text.Length - block - 1);
                Array.Copy(text, start, x, b * block, block);
                Array.Copy(text, start + 1, y, b * block, block);
            }
            var (_, loss) = model.forward(tensor(x, [batch, block]), tensor(y, [batch, block]));
            optimizer.zero_grad();
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
            losses.Add(loss.item<float>());
        }
        return [.. losses.Chunk(10).Select(chunk => chunk.Average())];
    }
}

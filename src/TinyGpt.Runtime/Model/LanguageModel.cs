using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// What the trainer and the sampler need of a model: token ids <c>[B, T]</c> in,
/// logits <c>[B, T, VocabSize]</c> out. Every <c>[Gpt]</c> class derives from it, and so
/// does the bigram baseline.
/// </summary>
public abstract class LanguageModel : nn.Module<Tensor, Tensor>
{
    /// <summary>
    /// Creates the module; <paramref name="name"/> is the model's name (its class name). <paramref name="seed"/>
    /// seeds <see cref="RandomGenerator"/>; without one it is drawn from torch's default generator, so
    /// <c>torch.manual_seed(s)</c> before construction repeats the same weights, as in nanoGPT.
    /// </summary>
    protected LanguageModel(string name, long? seed = null) : base(name)
    {
        RandomGenerator = new Generator(unchecked((ulong)(seed ?? DeterministicRandom.SeedFrom())));
    }

    /// <summary>
    /// This model's own random stream. Generated models draw their initial weights and their dropout masks (on the
    /// CPU) from it, never from torch's process-wide default generator, so models built or trained at the same time
    /// in one process cannot change each other's numbers; a hand-written model gets the same by passing it to
    /// <see cref="FastDropout"/> and <c>Tensor.normal_</c>. The trainer reseeds it with the run's seed and checkpoints its state.
    /// </summary>
    public Generator RandomGenerator { get; }

    /// <summary>The hyperparameters this model was built with.</summary>
    public abstract GptConfig Config { get; }

    /// <summary>
    /// Whether <c>forward</c> checks the shape of every intermediate tensor. Input guards always
    /// run; set this to false to skip the internal checks once a model is known to be sound.
    /// </summary>
    public bool CheckShapes { get; set; } = true;

    /// <summary>
    /// Logits <c>[B, T, VocabSize]</c> and the mean cross-entropy loss (a scalar) against
    /// <paramref name="targets"/> <c>[B, T]</c> (int64), in one forward pass.
    /// </summary>
    public (Tensor Logits, Tensor Loss) forward(Tensor idx, Tensor targets)
    {
        var logits = forward(idx);                                          // [B, T, V]
        if (targets.dtype != ScalarType.Int64 || !targets.shape.SequenceEqual(idx.shape))
            throw new ArgumentException(
                $"{GetName()}.forward: targets must be int64 [B, T] matching idx {Shapes.Describe(idx)}; got {Shapes.Describe(targets)}",
                nameof(targets));
        var loss = nn.functional.cross_entropy(
            logits.view(-1, logits.shape[^1]),                              // [B*T, V]
            targets.view(-1));                                              // [B*T]
        return (logits, loss);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            RandomGenerator.Dispose();
        base.Dispose(disposing);
    }
}

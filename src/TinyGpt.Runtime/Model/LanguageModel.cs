using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
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
    protected LanguageModel(string name, long? seed = null) : this(name, seed, Precision.Float32)
    {
    }

    /// <summary>
    /// Creates the module with <paramref name="precision"/> as its <see cref="ComputePrecision"/> (generated
    /// models pass their attribute's <c>Precision</c>); see the other constructor for the rest.
    /// </summary>
    protected LanguageModel(string name, long? seed, Precision precision) : base(name)
    {
        RandomGenerator = new Generator(unchecked((ulong)(seed ?? DeterministicRandom.SeedFrom())));
        _computePrecision = precision == Precision.Auto ? Precision.Float32 : precision;
    }

    private Precision _computePrecision;

    /// <summary>
    /// The precision the forward and backward passes compute in now: <see cref="Precision.Float32"/> or
    /// <see cref="Precision.BFloat16"/> (the weights stay float32 either way). It starts as the attribute's
    /// <c>Precision</c>; setting <see cref="Precision.Auto"/> picks by what the device of the weights offers
    /// (<see cref="BFloat16Support"/>), so set it after moving the model. A model without Linear layers,
    /// such as the bigram table, computes in float32 whatever this says.
    /// </summary>
    public Precision ComputePrecision
    {
        get => _computePrecision;
        set
        {
            if (!Enum.IsDefined(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, $"{nameof(LanguageModel)}.{nameof(ComputePrecision)} must be Float32, BFloat16 or Auto.");
            _computePrecision = BFloat16Support.Resolve(value, WeightsDevice);
            OnComputePrecisionChanged(ComputeDtype);
        }
    }

    /// <summary>The device the weights are on; the CPU for a model without parameters.</summary>
    internal Device WeightsDevice => parameters().FirstOrDefault()?.device ?? CPU;

    /// <summary>The dtype of the matmuls: <see cref="ComputePrecision"/> as a scalar type.</summary>
    public ScalarType ComputeDtype => MixedPrecision.DtypeOf(_computePrecision);

    /// <summary>
    /// Hands a new compute dtype to the submodules that run Linear layers; generated models override it.
    /// </summary>
    protected virtual void OnComputePrecisionChanged(ScalarType dtype)
    {
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
    /// Training FLOPs per token (forward and backward), as nanoGPT's <c>estimate_mfu</c> counts them. Generated
    /// models return their <c>FlopsPerToken</c> constant (6·N + 12·L·H·Q·T, N without the position embeddings);
    /// a model without attention, such as the bigram table, costs 6·N: two FLOPs per weight forward, four backward.
    /// </summary>
    public virtual long TrainingFlopsPerToken => 6 * DistinctParameters().Sum(p => p.numel());

    /// <summary>
    /// The model's parameters, each once: what an optimizer steps and what a parameter count counts.
    /// A tied weight (<c>lm_head.weight = wte.weight</c>) appears under two names in <c>parameters()</c>,
    /// and an optimizer given both would update it twice per step.
    /// </summary>
    public IReadOnlyList<Parameter> DistinctParameters() => [.. DistinctNamedParameters(this).Select(np => np.Parameter)];

    /// <summary>
    /// The parameters of <paramref name="module"/> (a model or one of its parts), each once, with the first
    /// name it has. TorchSharp may hand out two wrappers with different handles over one storage, so on the
    /// CPU two parameters are the same when their data starts at the same address with the same length;
    /// elsewhere the native handle decides.
    /// </summary>
    public static IReadOnlyList<(string Name, Parameter Parameter)> DistinctNamedParameters(nn.Module module)
    {
        var handles = new HashSet<IntPtr>();
        var result = new List<(string, Parameter)>();
        foreach (var (name, p) in module.named_parameters())
        {
            if (!handles.Add(p.Handle) || result.Any(r => SameMemory(r.Item2, p)))
                continue;
            result.Add((name, p));
        }
        return result;
    }

    private static bool SameMemory(Tensor a, Tensor b)
    {
        if (a.device_type != DeviceType.CPU || b.device_type != DeviceType.CPU || !a.is_contiguous() || !b.is_contiguous())
            return false;
        var x = a.bytes;
        var y = b.bytes;
        return x.Length == y.Length && x.Length > 0 && Unsafe.AreSame(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y));
    }

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

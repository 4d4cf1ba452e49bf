using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// TorchSharp's AdamW (the same update, state and checkpoint format) over flat buffers: the parameters,
/// their gradients and both moments each live in one contiguous tensor, and every parameter, gradient and
/// moment is a view into it. TorchSharp's step runs about eight small kernels per tensor, zeroing and
/// clipping one or two more each; here a step is a few kernels per parameter group over all its
/// elements, zeroing is one kernel and clipping one norm and one multiplication, with no value read
/// back to the host in between.
/// </summary>
/// <remarks>
/// Autograd accumulates into an existing gradient in place, so the views stay the gradients as long as
/// nothing replaces them: use <see cref="zero_grad"/>, not a gradient set to null. Every parameter is
/// stepped, also one that got no gradient (its gradient is zero), as happens to none in a GPT.
/// </remarks>
internal sealed class FlatAdamW : AdamW
{
    private readonly Tensor _parameters;
    private readonly Tensor _gradients;
    private readonly Tensor _expAvg;
    private readonly Tensor _expAvgSq;
    private readonly (ParamGroup Group, long Start, long Length, State[] States)[] _groups;

    /// <summary>Moves <paramref name="groups"/>' parameters into one buffer (their values unchanged) and sets up the state.</summary>
    public FlatAdamW(IReadOnlyList<ParamGroup> groups, double lr, double beta1, double beta2, double eps, double weightDecay)
        : base(groups, lr, beta1, beta2, eps, weightDecay)
    {
        var all = groups.SelectMany(g => g.Parameters).ToList();
        if (all.Count == 0)
            throw new ArgumentException("AdamW needs at least one parameter.", nameof(groups));
        if (all.Any(p => p.dtype != all[0].dtype || p.device_type != all[0].device_type || p.device_index != all[0].device_index))
            throw new ArgumentException("A flat AdamW needs every parameter in one dtype on one device.", nameof(groups));
        var total = all.Sum(p => p.numel());
        _parameters = zeros(total, dtype: all[0].dtype, device: all[0].device);
        _gradients = zeros_like(_parameters);
        _expAvg = zeros_like(_parameters);
        _expAvgSq = zeros_like(_parameters);

        var ranges = new List<(ParamGroup, long, long, State[])>();
        long offset = 0;
        using (no_grad())
            foreach (var group in groups)
            {
                var start = offset;
                var states = new List<State>();
                foreach (var p in group.Parameters)
                {
                    var n = p.numel();
                    using (var slot = Slice(_parameters, offset, p))
                    {
                        slot.copy_(p);
                        p.set_(slot);                                   // p now lives in the flat buffer
                    }
                    p.grad = Slice(_gradients, offset, p);
                    var state = (State)_state[p.Handle];
                    state.exp_avg.Dispose();
                    state.exp_avg_sq.Dispose();
                    state.exp_avg = Slice(_expAvg, offset, p);
                    state.exp_avg_sq = Slice(_expAvgSq, offset, p);
                    states.Add(state);
                    offset += n;
                }
                ranges.Add(((ParamGroup)group, start, offset - start, states.ToArray()));
            }
        _groups = [.. ranges];
    }

    private static Tensor Slice(Tensor flat, long offset, Tensor like)
    {
        using var range = flat.narrow(0, offset, like.numel());
        return range.view(like.shape);
    }

    /// <summary>Zeroes every gradient in one kernel (in place: autograd keeps accumulating into the views).</summary>
    public override void zero_grad()
    {
        using var _ = no_grad();
        _gradients.zero_();
    }

    /// <summary>
    /// Scales the gradients so that their global L2 norm is at most <paramref name="maxNorm"/>, as
    /// <c>clip_grad_norm_</c> (coefficient maxNorm / (norm + 1e-6), capped at 1), without reading the norm back.
    /// </summary>
    public void ClipGradNorm(double maxNorm)
    {
        using var _ = no_grad();
        using var norm = _gradients.norm();
        using var coefficient = norm.add(1e-6).reciprocal_().mul_(maxNorm).clamp_max_(1.0);
        _gradients.mul_(coefficient);
    }

    /// <summary>One AdamW step of every group at its current learning rate, as TorchSharp's <see cref="AdamW.step"/>.</summary>
    public override Tensor step(Func<Tensor>? closure = null)
    {
        Tensor? loss = null;
        if (closure is not null)
            using (enable_grad())
                loss = closure();
        using var _ = no_grad();
        foreach (var (group, start, length, states) in _groups)
        {
            var options = (Options)group.Options;
            double lr = options.LearningRate!.Value, beta1 = options.beta1!.Value, beta2 = options.beta2!.Value;
            double weightDecay = options.weight_decay!.Value, eps = options.eps!.Value;
            foreach (var state in states)
                state.step += 1;
            var step = states[0].step;   // the group's parameters are always stepped together
            var biasCorrection1 = 1 - Math.Pow(beta1, step);
            var biasCorrection2 = 1 - Math.Pow(beta2, step);

            using var param = _parameters.narrow(0, start, length);
            using var grad = _gradients.narrow(0, start, length);
            using var expAvg = _expAvg.narrow(0, start, length);
            using var expAvgSq = _expAvgSq.narrow(0, start, length);
            param.mul_(1 - lr * weightDecay);
            expAvg.mul_(beta1).add_(grad, alpha: 1 - beta1);
            expAvgSq.mul_(beta2).addcmul_(grad, grad, value: 1 - beta2);
            using var root = expAvgSq.sqrt();
            using var denominator = root.div_(Math.Sqrt(biasCorrection2)).add_(eps);
            param.addcdiv_(expAvg, denominator, value: -lr / biasCorrection1);
        }
        return loss!;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);   // disposes the moment views
        if (!disposing) return;
        _parameters.Dispose();
        _gradients.Dispose();
        _expAvg.Dispose();
        _expAvgSq.Dispose();
    }
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// TorchSharp's AdamW (the same update, state and checkpoint format) over flat buffers: the parameters,
/// their gradients and both moments each live in one contiguous tensor, and every parameter, gradient and
/// moment is a view into it. TorchSharp's step runs about eight small kernels per tensor, zeroing and
/// clipping one or two more each; here a step is seven kernels over all the elements (one more per
/// extra weight decay), zeroing is one kernel and clipping one norm and one multiplication, with no value
/// read back to the host in between.
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
    /// <remarks>
    /// Groups that differ only in weight decay (nanoGPT's two: decay on matrices, none on biases and gains) are
    /// stepped as one range: the moments and the update run once over all their elements, and the decay only
    /// over the groups that have one. Each element sees the same operations in the same order as in a pass per
    /// group (a decay of 0 would multiply by exactly 1); only elements that move between libtorch's vectorized
    /// loop and its scalar remainder can round differently. Fewer kernels matter more than their size here: at
    /// baby's size each is short, and on a loaded machine every parallel one may wait for its partner thread.
    /// </remarks>
    public override Tensor step(Func<Tensor>? closure = null)
    {
        Tensor? loss = null;
        if (closure is not null)
            using (enable_grad())
                loss = closure();
        using var _ = no_grad();
        foreach (var (_, _, _, states) in _groups)
            foreach (var state in states)
                state.step += 1;
        var start = 0;
        while (start < _groups.Length)
        {
            var end = start + 1;   // groups [start, end) share everything but the weight decay and are contiguous
            while (end < _groups.Length && SharesUpdate(_groups[start], _groups[end]))
                end++;
            StepRange(start, end);
            start = end;
        }
        return loss!;
    }

    private static bool SharesUpdate((ParamGroup Group, long Start, long Length, State[] States) a, (ParamGroup Group, long Start, long Length, State[] States) b)
    {
        Options x = (Options)a.Group.Options, y = (Options)b.Group.Options;
        return x.LearningRate == y.LearningRate && x.beta1 == y.beta1 && x.beta2 == y.beta2 && x.eps == y.eps &&
            a.States[0].step == b.States[0].step && a.Start + a.Length == b.Start;
    }

    /// <summary>Steps groups <paramref name="first"/> to <paramref name="end"/> (exclusive), which share all options but the weight decay.</summary>
    private void StepRange(int first, int end)
    {
        var options = (Options)_groups[first].Group.Options;
        double lr = options.LearningRate!.Value, beta1 = options.beta1!.Value, beta2 = options.beta2!.Value, eps = options.eps!.Value;
        var step = _groups[first].States[0].step;   // a group's parameters are always stepped together
        var biasCorrection1 = 1 - Math.Pow(beta1, step);
        var biasCorrection2 = 1 - Math.Pow(beta2, step);

        for (var g = first; g < end; g++)
        {
            var weightDecay = ((Options)_groups[g].Group.Options).weight_decay!.Value;
            if (weightDecay == 0)
                continue;   // multiplying by 1 - lr·0 = 1 changes nothing
            using var decayed = _parameters.narrow(0, _groups[g].Start, _groups[g].Length);
            decayed.mul_(1 - lr * weightDecay);
        }
        long start = _groups[first].Start, length = _groups[end - 1].Start + _groups[end - 1].Length - start;
        using var param = _parameters.narrow(0, start, length);
        using var grad = _gradients.narrow(0, start, length);
        using var expAvg = _expAvg.narrow(0, start, length);
        using var expAvgSq = _expAvgSq.narrow(0, start, length);
        expAvg.mul_(beta1).add_(grad, alpha: 1 - beta1);
        expAvgSq.mul_(beta2).addcmul_(grad, grad, value: 1 - beta2);
        using var root = expAvgSq.sqrt();
        using var denominator = root.div_(Math.Sqrt(biasCorrection2)).add_(eps);
        param.addcdiv_(expAvg, denominator, value: -lr / biasCorrection1);
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

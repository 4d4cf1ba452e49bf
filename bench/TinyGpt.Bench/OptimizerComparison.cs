using System.Diagnostics;
using System.Reflection;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyGpt.Bench;

/// <summary>
/// <c>bench/step --optimizer</c>: the cost of gradient clipping plus one AdamW step on the baby model, for
/// TorchSharp's per-tensor AdamW with <c>clip_grad_norm_</c>, the trainer's FlatAdamW with its two groups forced
/// into separate passes (a learning rate 1e-15 apart), and FlatAdamW as the trainer runs it (one pass), in
/// alternating chunks. The gradients come from one backward pass and stay; only the kernels are timed.
/// </summary>
internal static class OptimizerComparison
{
    public static int Run(int rounds, int chunk)
    {
        var o = Console.Out;
        o.WriteLine($"# Clipping + AdamW step, baby model (float32), {rounds} alternating rounds of {chunk} steps; threads {get_num_threads()}, load {Machine.Load():F2}");
        var options = new TrainingOptions { BatchSize = 12, Device = "cpu" };
        using var perTensorModel = new BabyGpt(seed: 1);
        using var splitModel = new BabyGpt(seed: 1);
        using var flatModel = new BabyGpt(seed: 1);
        var parameters = LanguageModel.DistinctNamedParameters(perTensorModel).Select(np => np.Parameter).ToList();
        using var perTensor = optim.AdamW([
            new AdamW.ParamGroup(parameters.Where(p => p.dim() >= 2), 1e-3, 0.9, 0.99, 1e-8, 0.1),
            new AdamW.ParamGroup(parameters.Where(p => p.dim() < 2), 1e-3, 0.9, 0.99, 1e-8, 0.0)], 1e-3, 0.9, 0.99, 1e-8, 0.1);
        using var split = Trainer.CreateOptimizer(splitModel, options);
        split.ParamGroups.Last().LearningRate = 1e-3 + 1e-15;
        using var flat = Trainer.CreateOptimizer(flatModel, options);
        foreach (var model in new LanguageModel[] { perTensorModel, splitModel, flatModel })
        {
            using var scope = NewDisposeScope();
            var idx = randint(0, 65, [12, 64], dtype: ScalarType.Int64);
            model.forward(idx, idx).Loss.backward();
        }
        var sides = new (string Name, Action Step)[]
        {
            ("TorchSharp AdamW + clip_grad_norm_ (per tensor)", () => { nn.utils.clip_grad_norm_(parameters, 1.0); perTensor.step(); }),
            ("FlatAdamW, a pass per group", Clipped(split)),
            ("FlatAdamW, one pass (the trainer's)", Clipped(flat)),
        };
        var ms = new List<double>[sides.Length];
        for (var i = 0; i < sides.Length; i++)
            ms[i] = [];
        for (var round = 0; round < rounds + 1; round++)
            for (var i = 0; i < sides.Length; i++)
            {
                var side = (i + round) % sides.Length;   // each side takes each place in the order in turn
                var began = Stopwatch.GetTimestamp();
                for (var s = 0; s < chunk; s++)
                    using (NewDisposeScope())
                        sides[side].Step();
                if (round > 0)   // the first round warms up
                    ms[side].Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds / chunk);
            }
        for (var i = 0; i < sides.Length; i++)
        {
            var sorted = ms[i].Order().ToArray();
            o.WriteLine($"  {sides[i].Name,-50} median {sorted[sorted.Length / 2],6:F2} ms (range {sorted[0]:F2}–{sorted[^1]:F2})");
        }
        o.WriteLine($"load average at the end {Machine.Load():F2}");
        return 0;
    }

    private static Action Clipped(AdamW flat)
    {
        var method = flat.GetType().GetMethod("ClipGradNorm", BindingFlags.Public | BindingFlags.Instance)!;
        var clip = (Action<double>)Delegate.CreateDelegate(typeof(Action<double>), flat, method);
        return () => { clip(1.0); flat.step(); };
    }
}

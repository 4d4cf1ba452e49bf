using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyGpt.Bench;

/// <summary>
/// <c>bench/step</c>: a float32 baby training step of TinyGpt (the <see cref="Trainer"/>'s step) against a step
/// of nanoGPT's model.py in PyTorch (tests/python/reference_gpt.py, the parity reference, with train.py's loop),
/// in short chunks that take turns in one run, and where TinyGpt's step spends its time, phase by phase.
/// </summary>
/// <remarks>
/// On a shared 2-core machine the load moves within seconds, so the sides alternate every few steps (PyTorch
/// in a worker process that steps on request) and each chunk pair gives one ratio; the report shows their
/// median and spread. The Trainer's own loop is timed too, before and after, to show that the chunked step
/// is the step users run.
/// </remarks>
internal static class StepComparison
{
    private const int BatchSize = 12;

    public static int Run(string[] args, int threads)
    {
        int Option(string name, int fallback) =>
            args.SkipWhile(a => a != name).Skip(1).Select(int.Parse).FirstOrDefault(fallback);
        int rounds = Option("--rounds", 20), chunk = Option("--steps", 10), warmup = Option("--warmup", 50);
        if (args.Contains("--optimizer"))
            return OptimizerComparison.Run(rounds, chunk);
        // --thread-counts 1,2 alternates thread counts round by round (both sides switch together).
        var threadCounts = args.SkipWhile(a => a != "--thread-counts").Skip(1).Select(a => a.Split(',').Select(int.Parse).ToArray())
            .FirstOrDefault([threads]);
        var checkShapes = !args.Contains("--no-shape-checks");
        var o = Console.Out;
        o.WriteLine($"# Float32 baby step: TinyGpt's Trainer step against nanoGPT's model.py step (PyTorch), {rounds} alternating rounds of {chunk} steps");
        o.WriteLine($"machine: {Environment.ProcessorCount} cores, {Machine.Cpu()}, load average {LoadAverages()} at start");
        o.WriteLine($"config: 4/4/128, T 64, B {BatchSize}, float32, {warmup} warm-up steps per side; threads per round {string.Join(" and ", threadCounts)} (the Trainer loop: {threads}), " +
            $"glibc malloc tuned {GlibcMalloc.Tune()}, shape checks {(checkShapes ? "on" : "off")}");

        var repo = FindRepository();
        var pyMissing = args.Contains("--no-pytorch") ? "skipped (--no-pytorch)" : PyTorch.Missing();
        var corpus = Corpus.Load();
        var work = Directory.CreateTempSubdirectory("tinygpt-step-");
        try
        {
            PyTorchWorker? py = null;
            if (pyMissing is null)
            {
                var (tokens, _) = Workload.Corpus(65);
                var spec = new RunSpec("baby", new BabyGpt().Config, BatchSize, warmup, rounds * chunk);
                var batchPath = Path.Combine(work.FullName, "batches.bin");
                var weightsPath = Path.Combine(work.FullName, "weights.bin");
                Workload.WriteBatches(batchPath, Workload.Batches(tokens, spec, seed: 1337));
                using (var reference = new BabyGpt(seed: 1337))
                    Workload.WriteWeights(weightsPath, reference);
                var specPath = Path.Combine(work.FullName, "spec.json");
                File.WriteAllText(specPath, PyTorch.SpecJson(spec, weightsPath, batchPath));
                py = new PyTorchWorker(Path.Combine(repo, "bench", "pytorch_train.py"), specPath, threadCounts.Max());
                o.WriteLine($"PyTorch: {PyTorch.Python}, default threads {py.Threads} (OMP_NUM_THREADS {threadCounts.Max()}; torch.set_num_threads per round), OpenBLAS kernels " +
                    (PyTorch.OpenBlasCoreType is { } core ? $"{core} (OPENBLAS_CORETYPE: OpenBLAS fell back to generic Prescott kernels on this CPU)" : "as OpenBLAS picks them"));
            }
            else
                o.WriteLine($"PyTorch: {pyMissing}");

            var trainerBefore = TrainerStep(corpus, warmup, 60, Path.Combine(work.FullName, "before"), checkShapes);
            using var tiny = new TrainerStepper(corpus, checkShapes);
            tiny.Step(warmup);
            py?.Step(warmup);

            // Each round runs a chunk per side at every thread count asked for (both sides switch together).
            var settings = threadCounts.Select(n => new Tally(n)).ToArray();
            for (var round = 0; round < rounds; round++)
                foreach (var tally in settings)
                {
                    set_num_threads(tally.Threads);
                    py?.SetThreads(tally.Threads);
                    double? pyMs = null;
                    if (py is not null && round % 2 == 0)
                        pyMs = PyChunk(tally);
                    var phases = tiny.Step(chunk);
                    if (py is not null && round % 2 == 1)
                        pyMs = PyChunk(tally);
                    var tinyMs = 1000 * phases.Sum() / chunk;
                    tally.Tiny.Add(tinyMs);
                    for (var i = 0; i < phases.Length; i++)
                        tally.TinyPhases[i] += phases[i];
                    if (pyMs is { } p)
                    {
                        tally.Py.Add(p);
                        tally.Ratios.Add(p / tinyMs);
                    }
                }
            set_num_threads(threads);
            var trainerAfter = TrainerStep(corpus, warmup, 60, Path.Combine(work.FullName, "after"), checkShapes);
            py?.Dispose();

            double PyChunk(Tally tally)
            {
                var (seconds, phases) = py!.Step(chunk);
                foreach (var (name, value) in phases)
                    tally.PyPhases[name] = tally.PyPhases.GetValueOrDefault(name) + (double)value!;
                return 1000 * seconds / chunk;
            }

            var totalSteps = (double)rounds * chunk;
            o.WriteLine($"the Trainer's own loop ({threads} threads): {trainerBefore:F1} ms/step before the rounds, {trainerAfter:F1} ms after");
            foreach (var tally in settings)
            {
                o.WriteLine();
                o.WriteLine($"{tally.Threads} thread(s) on both sides");
                o.WriteLine("  TinyGpt step by phase (ms/step over all rounds; the Trainer's step with a stopwatch between phases):");
                o.WriteLine("    " + string.Join(", ", TrainerStepper.PhaseNames.Select((n, i) => $"{n} {1000 * tally.TinyPhases[i] / totalSteps:F2}")));
                if (tally.PyPhases.Count > 0)
                    o.WriteLine("  PyTorch step by phase (ms/step over all rounds):\n    " +
                        string.Join(", ", tally.PyPhases.Select(kv => $"{kv.Key} {1000 * kv.Value / totalSteps:F2}")));
                o.WriteLine($"  TinyGpt step: median {Median(tally.Tiny):F1} ms ({Range(tally.Tiny)})");
                if (tally.Ratios.Count == 0)
                    continue;
                var ratios = tally.Ratios;
                o.WriteLine($"  PyTorch step: median {Median(tally.Py):F1} ms ({Range(tally.Py)})");
                o.WriteLine($"  float32 step ratio, PyTorch ms / TinyGpt ms per round: median {Median(ratios):F2}× " +
                    $"(quartiles {Quantile(ratios, 0.25):F2}–{Quantile(ratios, 0.75):F2}, range {Range(ratios)}); goal ≥ 1.2× → {(Median(ratios) >= 1.2 ? "met" : "NOT met")}");
            }
            o.WriteLine($"load average {LoadAverages()} at the end");
        }
        finally
        {
            work.Delete(recursive: true);
        }
        return 0;
    }

    /// <summary>Mean wall time of the Trainer's own steps after the warm-up, from one progress report to the next.</summary>
    private static double TrainerStep(Corpus corpus, int warmup, int steps, string runDirectory, bool checkShapes)
    {
        using var model = new BabyGpt(seed: 1337) { CheckShapes = checkShapes };
        var options = new TrainingOptions
        {
            Steps = warmup + steps, BatchSize = BatchSize, EvalInterval = warmup + steps, EvalIters = 1,
            Device = "cpu", Precision = Precision.Float32, WritePlot = false, Overwrite = true,
        };
        var times = new List<double>();
        var last = 0L;
        new Trainer(model, corpus, options, runDirectory).Train(new Inline(p =>
        {
            var now = Stopwatch.GetTimestamp();
            if (p.Step > warmup && !p.Evaluated)
                times.Add(Stopwatch.GetElapsedTime(last, now).TotalMilliseconds);
            last = now;
        }));
        return times.Average();
    }

    private static double Median(List<double> values) => Quantile(values, 0.5);

    private static double Quantile(List<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        var at = q * (sorted.Length - 1);
        var below = (int)Math.Floor(at);
        return below + 1 < sorted.Length ? sorted[below] + (at - below) * (sorted[below + 1] - sorted[below]) : sorted[below];
    }

    private static string Range(List<double> values) => $"{values.Min():F2}–{values.Max():F2}";

    private static string LoadAverages() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TinyGpt.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Run the benchmark from the TinyGpt repository (bench/step).");
    }

    /// <summary>What the rounds at one thread count measured.</summary>
    private sealed class Tally(int threads)
    {
        public int Threads { get; } = threads;
        public List<double> Tiny { get; } = [];
        public List<double> Py { get; } = [];
        public List<double> Ratios { get; } = [];
        public double[] TinyPhases { get; } = new double[TrainerStepper.PhaseNames.Length];
        public Dictionary<string, double> PyPhases { get; } = [];
    }

    /// <summary>
    /// The Trainer's step (its optimizer, batch sampler, dispose scope and order of calls) with a stopwatch
    /// between the phases; the Trainer keeps its step private, so this repeats it.
    /// </summary>
    private sealed class TrainerStepper : IDisposable
    {
        public static readonly string[] PhaseNames =
            ["scope+lr+batch", "forward+loss", "item", "zero_grad", "backward", "clip", "AdamW", "dispose scope"];

        private readonly BabyGpt _model;
        private readonly AdamW _optimizer;
        private readonly Action<double> _clip;
        private readonly BatchSampler _batches;

        public TrainerStepper(Corpus corpus, bool checkShapes)
        {
            _model = new BabyGpt(seed: 1337) { CheckShapes = checkShapes };
            _optimizer = Trainer.CreateOptimizer(_model, new TrainingOptions { BatchSize = BatchSize, Device = "cpu" });
            // The optimizer is the trainer's FlatAdamW (internal); its clipping is the one the Trainer calls.
            var method = _optimizer.GetType().GetMethod("ClipGradNorm", BindingFlags.Public | BindingFlags.Instance)
                ?? throw new InvalidOperationException("Trainer.CreateOptimizer no longer returns a FlatAdamW with ClipGradNorm.");
            _clip = (Action<double>)Delegate.CreateDelegate(typeof(Action<double>), _optimizer, method);
            _batches = new BatchSampler(corpus.Split.Train, _model.Config.BlockSize, BatchSize, new DeterministicRandom(1337));
            _model.train();
        }

        /// <summary>Runs <paramref name="steps"/> steps; seconds spent in each phase, summed.</summary>
        public double[] Step(int steps)
        {
            var sum = new double[PhaseNames.Length];
            var t = new long[PhaseNames.Length + 1];
            for (var step = 0; step < steps; step++)
            {
                t[0] = Stopwatch.GetTimestamp();
                var scope = NewDisposeScope();
                foreach (var group in _optimizer.ParamGroups)
                    group.LearningRate = 1e-3;
                var (x, y) = _batches.Next();
                t[1] = Stopwatch.GetTimestamp();
                var (_, loss) = _model.forward(x, y);
                t[2] = Stopwatch.GetTimestamp();
                loss.item<float>();
                t[3] = Stopwatch.GetTimestamp();
                _optimizer.zero_grad();
                t[4] = Stopwatch.GetTimestamp();
                loss.backward();
                t[5] = Stopwatch.GetTimestamp();
                _clip(1.0);
                t[6] = Stopwatch.GetTimestamp();
                _optimizer.step();
                t[7] = Stopwatch.GetTimestamp();
                scope.Dispose();
                t[8] = Stopwatch.GetTimestamp();
                for (var i = 0; i < sum.Length; i++)
                    sum[i] += Stopwatch.GetElapsedTime(t[i], t[i + 1]).TotalSeconds;
            }
            return sum;
        }

        public void Dispose()
        {
            _optimizer.Dispose();
            _model.Dispose();
        }
    }
}

using System.Text;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyGpt.Bench;

/// <summary>One training benchmark: a config, its batch size and how many steps to warm up and to time.</summary>
internal sealed record RunSpec(string Name, GptConfig Config, int BatchSize, int WarmupSteps, int Steps)
{
    // nanoGPT's config/train_shakespeare_char.py optimizer, used for both configs on both sides.
    public const double LearningRate = 1e-3, Beta1 = 0.9, Beta2 = 0.99, WeightDecay = 0.1, GradClip = 1.0;

    public int TotalSteps => WarmupSteps + Steps;
    public long TokensPerStep => (long)BatchSize * Config.BlockSize;
}

/// <summary>What one side measured: seconds over the timed steps and the loss of every step.</summary>
internal sealed record RunResult(double Seconds, IReadOnlyList<double> Losses, int TimedSteps, long TokensPerStep)
{
    public double TokensPerSecond => TimedSteps * TokensPerStep / Seconds;
    public double MillisecondsPerStep => 1000 * Seconds / TimedSteps;

    /// <summary>Mean loss of the last (up to) ten steps: one step's loss is a noisy sample.</summary>
    public double FinalLoss => Losses.TakeLast(Math.Min(10, Losses.Count)).Average();
}

/// <summary>Text, batches and starting weights shared by TinyGpt and PyTorch, written to files for the Python side.</summary>
internal static class Workload
{
    /// <summary>Token ids of Tiny Shakespeare when the repository has it, else a deterministic stand-in over 65 symbols.</summary>
    public static (long[] Tokens, string Source) Corpus(int vocabSize)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "src", "TinyGpt.Runtime", "Data", "tinyshakespeare.txt");
            if (!File.Exists(path))
                continue;
            var text = File.ReadAllText(path, Encoding.UTF8);
            var alphabet = text.Distinct().Order().ToArray();
            if (alphabet.Length > vocabSize)
                break;
            var index = alphabet.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => (long)p.i);
            return ([.. text.Select(c => index[c])], "Tiny Shakespeare (src/TinyGpt.Runtime/Data)");
        }
        // A fixed random walk with structure to learn: each symbol prefers a few successors.
        var random = new Random(1);
        var tokens = new long[1_000_000];
        for (var i = 1; i < tokens.Length; i++)
            tokens[i] = random.NextDouble() < 0.8 ? (tokens[i - 1] * 7 + random.Next(3)) % vocabSize : random.Next(vocabSize);
        return (tokens, "synthetic text (Tiny Shakespeare not found in src/TinyGpt.Runtime/Data)");
    }

    /// <summary>Random windows <c>[steps, B, T + 1]</c> (inputs and next-token targets), seeded.</summary>
    public static long[] Batches(long[] tokens, RunSpec spec, int seed)
    {
        int b = spec.BatchSize, t = spec.Config.BlockSize;
        var random = new Random(seed);
        var batches = new long[(long)spec.TotalSteps * b * (t + 1)];
        for (var row = 0; row < spec.TotalSteps * b; row++)
            Array.Copy(tokens, random.Next(tokens.Length - t - 1), batches, (long)row * (t + 1), t + 1);
        return batches;
    }

    public static void WriteBatches(string path, long[] batches)
    {
        var bytes = new byte[batches.Length * sizeof(long)];
        Buffer.BlockCopy(batches, 0, bytes, 0, bytes.Length);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>The model's distinct parameters by nanoGPT name (a tied <c>lm_head.weight</c> once, as <c>transformer.wte.weight</c>).</summary>
    public static List<(string Name, Parameter Parameter)> DistinctParameters(LanguageModel model) =>
        [.. model.named_parameters().Where(p => !(model.Config.TieWeights && p.name == "lm_head.weight"))];

    /// <summary>float32 weights for the Python side: u64 header length, JSON {name: {shape, offset}}, raw data.</summary>
    public static void WriteWeights(string path, LanguageModel model)
    {
        var header = new Dictionary<string, object>();
        using var data = new MemoryStream();
        foreach (var (name, p) in DistinctParameters(model))
        {
            header[name] = new { shape = p.shape, offset = data.Length };
            data.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.detach().contiguous().data<float>().ToArray().AsSpan()));
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        using var file = File.Create(path);
        file.Write(BitConverter.GetBytes((ulong)json.Length));
        file.Write(json);
        data.Position = 0;
        data.CopyTo(file);
    }

    /// <summary>
    /// Trains <paramref name="model"/> on the batches as nanoGPT's train.py does (constant learning rate) and times the
    /// steps after the warm-up, with the optimizer and clipping the <see cref="Trainer"/> uses (FlatAdamW, built by
    /// <see cref="Trainer.CreateOptimizer"/>): TorchSharp's per-tensor AdamW and clip_grad_norm_ cost about three
    /// times as much per step (bench/RESULTS.md), which is not what users run.
    /// </summary>
    public static RunResult Train(LanguageModel model, RunSpec spec, long[] batches, Action<int, double>? onStep = null)
    {
        var options = new TrainingOptions
        {
            LearningRate = RunSpec.LearningRate, Beta1 = RunSpec.Beta1, Beta2 = RunSpec.Beta2, WeightDecay = RunSpec.WeightDecay, Device = "cpu",
        };
        using var optimizer = Trainer.CreateOptimizer(model, options);
        var clip = optimizer.GetType().GetMethod("ClipGradNorm") is { } method
            ? (Action<double>)Delegate.CreateDelegate(typeof(Action<double>), optimizer, method)
            : throw new InvalidOperationException("Trainer.CreateOptimizer no longer returns a FlatAdamW with ClipGradNorm.");
        model.train();
        model.CheckShapes = false;
        int b = spec.BatchSize, t = spec.Config.BlockSize;
        var window = new long[b * (t + 1)];
        var x = new long[b * t];
        var y = new long[b * t];
        var losses = new List<double>();
        var timed = 0.0;
        for (var step = 0; step < spec.TotalSteps; step++)
        {
            Array.Copy(batches, (long)step * window.Length, window, 0, window.Length);
            for (var row = 0; row < b; row++)
            {
                Array.Copy(window, row * (t + 1), x, row * t, t);
                Array.Copy(window, row * (t + 1) + 1, y, row * t, t);
            }
            var began = System.Diagnostics.Stopwatch.GetTimestamp();
            double value;
            using (NewDisposeScope())
            {
                var (_, loss) = model.forward(tensor(x, [b, t]), tensor(y, [b, t]));
                optimizer.zero_grad();
                loss.backward();
                clip(RunSpec.GradClip);
                optimizer.step();
                value = loss.item<float>();
            }
            if (step >= spec.WarmupSteps)
                timed += System.Diagnostics.Stopwatch.GetElapsedTime(began).TotalSeconds;
            losses.Add(value);
            onStep?.Invoke(step + 1, value);
        }
        return new RunResult(timed, losses, spec.Steps, spec.TokensPerStep);
    }
}

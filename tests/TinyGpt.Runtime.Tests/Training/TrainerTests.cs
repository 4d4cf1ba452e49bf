using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace TinyGpt.Runtime.Tests;

public class TrainerTests
{
    [Fact]
    public void A_tiny_model_learns_within_a_few_dozen_steps()
    {
        using var dir = new TempDir();
        var corpus = Tiny.Corpus();
        var result = new Trainer(Tiny.Model(corpus), corpus, Tiny.Options(steps: 40) with { EvalInterval = 10, EvalIters = 4 }, dir.Path).Train();
        var first = result.Evaluations[0];
        var last = result.Evaluations[^1];
        Assert.Equal(0, first.Step);
        Assert.Equal(40, last.Step);
        Assert.True(last.TrainLoss < first.TrainLoss - 1.0, $"train loss {first.TrainLoss} -> {last.TrainLoss}");
        Assert.True(last.ValLoss < first.ValLoss - 1.0, $"val loss {first.ValLoss} -> {last.ValLoss}");
    }

    [Fact]
    public void Log_csv_has_the_header_and_one_row_per_evaluation()
    {
        using var dir = new TempDir();
        var corpus = Tiny.Corpus();
        var result = new Trainer(Tiny.Model(corpus), corpus, Tiny.Options(steps: 12) with { WritePlot = true }, dir.Path).Train();
        var lines = File.ReadAllLines(Path.Combine(dir.Path, "log.csv"));
        Assert.Equal("step,train_loss,val_loss,lr,tokens_per_s,elapsed_s", lines[0]);
        Assert.Equal(["0", "5", "10", "12"], lines.Skip(1).Select(l => l.Split(',')[0]));
        var png = File.ReadAllBytes(Path.Combine(dir.Path, "loss.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.Equal(Path.Combine(dir.Path, "loss.png"), result.PlotPath);
    }

    [Fact]
    public void Progress_reports_every_step_with_losses_on_evaluation_steps()
    {
        using var dir = new TempDir();
        var corpus = Tiny.Corpus();
        var reports = new List<TrainingProgress>();
        new Trainer(Tiny.Model(corpus), corpus, Tiny.Options(steps: 10), dir.Path).Train(new SyncProgress(reports.Add));
        Assert.Equal(Enumerable.Range(1, 10), reports.Select(r => r.Step));
        Assert.Equal([5, 10], reports.Where(r => r.Evaluated).Select(r => r.Step));
        Assert.All(reports, r => Assert.True(r.TokensPerSecond > 0 && r.TotalSteps == 10 && r.LearningRate > 0));
        Assert.Equal(TimeSpan.Zero, reports[^1].Eta);
    }

    /// <summary>
    /// A module whose one weight is used twice (as a tied LM head is): named_parameters lists it
    /// twice, and an optimizer built from that list steps it twice.
    /// </summary>
    private sealed class Tied : nn.Module<Tensor, Tensor>
    {
        private readonly Embedding wte = nn.Embedding(4, 3);
        private readonly Linear lm_head = nn.Linear(3, 4, hasBias: false);

        public Tied() : base(nameof(Tied))
        {
            lm_head.weight = wte.weight!;
            RegisterComponents();
        }

        public override Tensor forward(Tensor idx) => lm_head.forward(wte.forward(idx));   // [N] -> [N, 3] -> [N, 4]
    }

    [Fact]
    public void The_optimizer_steps_a_tied_weight_once()
    {
        var options = new TrainingOptions { LearningRate = 0.1, WeightDecay = 0 };
        double Move(Func<Tied, optim.Optimizer> makeOptimizer)
        {
            torch.random.manual_seed(1);
            var module = new Tied();
            var before = module.parameters().First().detach().clone();
            var optimizer = makeOptimizer(module);
            module.forward(arange(4L)).pow(2).sum().backward();
            optimizer.step();
            return (module.parameters().First() - before).abs().max().item<float>();
        }
        Assert.Equal(2, new Tied().parameters().Count());
        Assert.Single(LanguageModel.DistinctNamedParameters(new Tied()));
        // AdamW's first step moves every element by lr (m/sqrt(v) = sign(g)) ...
        Assert.Equal(0.1, Move(m => Trainer.CreateOptimizer(m, options)), 4);
        // ... and by 2 lr when the shared weight is listed twice.
        Assert.Equal(0.2, Move(m => optim.AdamW(m.parameters(), 0.1, 0.9, 0.99, 1e-8, 0)), 2);
    }

    [Fact]
    public void The_optimizer_steps_with_the_learning_rate_the_schedule_sets_on_its_groups()
    {
        // The trainer sets each group's rate every step; AdamW's first step moves every element by exactly that rate.
        torch.random.manual_seed(1);
        var module = new Tied();
        var before = module.parameters().First().detach().clone();
        var optimizer = Trainer.CreateOptimizer(module, new TrainingOptions { LearningRate = 0.1, WeightDecay = 0 });
        foreach (var group in optimizer.ParamGroups)
            group.LearningRate = 0.03;
        module.forward(arange(4L)).pow(2).sum().backward();
        optimizer.step();
        Assert.Equal(0.03, (module.parameters().First() - before).abs().max().item<float>(), 4);
    }

    [Fact]
    public void Weight_decay_is_decoupled_from_the_gradient()
    {
        // With a zero gradient AdamW's update vanishes and only the decay p <- p (1 - lr wd) remains.
        var optimizer = Trainer.CreateOptimizer(new TinyLm(), new TrainingOptions { LearningRate = 0.1, WeightDecay = 0.5 });
        var groups = optimizer.ParamGroups.Cast<AdamW.ParamGroup>().ToList();
        var decayed = groups[0].Parameters.First();
        var kept = groups[1].Parameters.First();
        using (torch.no_grad())
        {
            decayed.fill_(1.0f);
            kept.fill_(1.0f);
        }
        foreach (var p in groups.SelectMany(g => g.Parameters))
            p.grad = zeros_like(p);
        optimizer.step();
        Assert.Equal(0.95, decayed.max().item<float>(), 5);                // 1 - 0.1 * 0.5
        Assert.Equal(0.95, decayed.min().item<float>(), 5);
        Assert.Equal(1.0, kept.min().item<float>(), 6);                    // vectors do not decay
    }

    [Fact]
    public void Weight_decay_applies_to_matrices_only()
    {
        var optimizer = Trainer.CreateOptimizer(new TinyLm(), new TrainingOptions());
        var groups = optimizer.ParamGroups.Cast<AdamW.ParamGroup>().ToList();
        Assert.Equal(2, groups.Count);
        Assert.Equal(0.1, groups[0].Options.weight_decay);
        Assert.All(groups[0].Parameters, p => Assert.True(p.dim() >= 2));
        Assert.Equal(0.0, groups[1].Options.weight_decay);
        Assert.All(groups[1].Parameters, p => Assert.Equal(1, p.dim()));
    }

    /// <summary>Produces NaN logits once <see cref="Poisoned"/> is set.</summary>
    private sealed class Poisonable : LanguageModel
    {
        private readonly BigramLanguageModel inner;

        public Poisonable(int vocabSize) : base(nameof(Poisonable))
        {
            inner = new BigramLanguageModel(vocabSize);
            RegisterComponents();
        }

        public bool Poisoned { get; set; }

        public override GptConfig Config => inner.Config;

        public override Tensor forward(Tensor idx) => Poisoned ? inner.forward(idx) * float.NaN : inner.forward(idx);
    }

    [Fact]
    public void A_nan_loss_stops_with_advice_and_keeps_the_last_checkpoint()
    {
        using var dir = new TempDir();
        var corpus = Tiny.Corpus();
        var model = new Poisonable(corpus.Tokenizer.VocabSize);
        var reports = new SyncProgress(p => model.Poisoned |= p.Step == 7);
        var e = Assert.Throws<TinyGptException>(() => new Trainer(model, corpus, Tiny.Options(steps: 20), dir.Path).Train(reports));
        Assert.Contains("step 8", e.Message);
        Assert.Contains("NaN", e.Message);
        Assert.Equal("TrainingOptions.LearningRate", e.Option);
        Assert.Contains("Try a lower TrainingOptions.LearningRate (e.g. 0.001)", e.Message);
        Assert.EndsWith("(continue from it with TrainingOptions.Resume = true).", e.Message);
        var checkpoint = Checkpoint.Open(dir.Path);
        Assert.Equal(5, checkpoint.Metadata.Step);
        model.Poisoned = false;
        checkpoint.LoadWeights(model);
    }

    [Fact]
    public void Memory_guard_counts_nanogpt_parameters_and_refuses_what_cannot_fit()
    {
        var baby = new GptConfig(4, 4, 128, 64, 65);
        Assert.Equal(804_096, MemoryGuard.CountParameters(baby));
        Assert.Equal(65 * 65, MemoryGuard.CountParameters(new BigramLanguageModel().Config));
        MemoryGuard.EnsureFits(MemoryGuard.Estimate(baby, 12), "BabyGpt");
        var huge = new GptConfig(200, 64, 16384, 4096, 65);
        var e = Assert.Throws<TinyGptException>(() => MemoryGuard.EnsureFits(MemoryGuard.Estimate(huge, 64), "HugeGpt"));
        Assert.Contains("HugeGpt needs ~", e.Message);
        Assert.Contains("parameters", e.Message);
        Assert.Contains("AdamW state", e.Message);
    }

    [Fact]
    public void A_generated_model_whose_weights_cannot_fit_is_refused_before_allocating()
    {
        var e = Assert.Throws<TinyGptException>(() => new EnormousGpt());
        Assert.StartsWith($"EnormousGpt needs 18.8 TiB for its {EnormousGpt.ParameterCount:N0} weights alone, but only ", e.Message);
        Assert.Contains("Declare a smaller model", e.Message);
        MemoryGuard.EnsureWeightsFit(BabyGpt.ParameterCount, nameof(BabyGpt));   // a real model passes
    }
}

/// <summary>Reports synchronously on the training thread (Progress&lt;T&gt; posts asynchronously).</summary>
internal sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}

public class LossPlotTests
{
    [Fact]
    public void The_plot_is_a_png_of_the_expected_size()
    {
        using var dir = new TempDir();
        var path = dir.File("loss.png");
        LossPlot.Write(path, [new(0, 4.2, 4.3, 1e-3, 0, 0), new(100, 2.5, 2.6, 1e-3, 900, 5), new(200, 2.0, 2.2, 1e-4, 900, 10)]);
        var png = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(800, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(500, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.Equal("IEND", System.Text.Encoding.ASCII.GetString(png, png.Length - 8, 4));
        if (Environment.GetEnvironmentVariable("TINYGPT_KEEP_PLOT") is { } keep) File.Copy(path, keep, overwrite: true);
    }
}

// Step 7 — from one head to a Transformer. Run from the repository root:
//   dotnet run walkthrough/07-transformer.cs              the lecture's schedule: 4 models × 5,000 steps (about a minute)
//   dotnet run walkthrough/07-transformer.cs -- --quick   1,000 steps each, 50 evaluation batches
//
// The lecture grows the bigram model into a Transformer one idea at a time, retraining after each change, at
// batch 32, block 8, Embd 32, lr 1e-3, 5,000 steps. Each idea buys a lower validation loss:
//   1. one self-attention head (step 6) between the embeddings and the output layer;
//   2. multi-head attention: 4 heads of size 8 in parallel, concatenated. Several independent channels of
//      communication: one head can look for vowels, another for the start of the word, ...;
//   3. a feed-forward layer after attention: the tokens have gathered information from each other, now each
//      one thinks about what it gathered, on its own (attention is communication, this is computation);
//   4. three such blocks, deep, which only trains well with two optimization aids: residual connections
//      (x = x + f(x): the gradient flows straight from the loss to the input along the sum, and each block
//      starts out contributing little and learns to add to it) and LayerNorm before each sublayer (each token's
//      features normalized to mean 0, variance 1, then scaled and shifted by learned parameters). With the
//      residuals come a projection back into the residual path after attention and a feed-forward layer 4×
//      wider inside, as in the paper.
// Training is the runtime's Trainer now (step 4 wrote the loop by hand), set up as the lecture's: constant
// learning rate, AdamW with PyTorch's defaults, no gradient clipping, evaluation every 500 steps on 200 batches.
#:project ../src/TinyGpt.Runtime
using System.Diagnostics;
using TinyGpt;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

var quick = args.Contains("--quick");
var corpus = Corpus.Load();
var options = new TrainingOptions
{
    Steps = quick ? 1000 : 5000,
    BatchSize = 32,
    LearningRate = 1e-3,
    MinLearningRate = 1e-3,   // constant: no warm-up, no decay
    WarmupSteps = 0,
    WeightDecay = 0.01,       // torch.optim.AdamW's defaults (the lecture sets only lr)
    Beta2 = 0.999,
    GradClip = 0,
    EvalInterval = 500,
    EvalIters = quick ? 50 : 200,
    Seed = 1337,
    Overwrite = true,
    Device = "cpu",
};
Console.WriteLine($"{options.Steps:N0} steps per model, batch {options.BatchSize}, block {Progression.BlockSize}, " +
                  $"Embd {Progression.Embd}, lr {options.LearningRate}, loss estimated on {options.EvalIters} batches");

(Stage Stage, string Name, double Published)[] stages =
[
    (Stage.OneHead, "one head", 2.5),
    (Stage.MultiHead, "multi-head", 2.28),
    (Stage.FeedForward, "+ feed-forward", 2.24),
    (Stage.ResidualLayerNorm, "+ residual and LayerNorm", 2.06),
];
// The four models are independent, so they train side by side, one a core: the lecture's whole schedule then
// takes about half as long. Each model is made (and seeded) here, in order, as in the lecture; what a model
// prints while training is held back and printed in one piece when it finishes, so its lines stay together.
var models = stages.Select(s => new Progression(s.Stage, corpus.Tokenizer.VocabSize)).ToArray();
var results = new (string Name, double Published, double Val, double Train, long Parameters, TimeSpan Time)[stages.Length];
var printing = new object();
Console.WriteLine($"training the {stages.Length} models {Environment.ProcessorCount} at a time...");
Parallel.For(0, stages.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
{
    // One thread a model: these operations are too small to gain from being split across cores. Set on each
    // thread, since with OpenMP the setting belongs to the thread that makes it.
    set_num_threads(1);
    var (stage, name, published) = stages[i];
    using var model = models[i];
    var parameters = model.parameters().Sum(p => p.numel());
    var runDirectory = Path.Combine("runs", "walkthrough", $"07-{stage}");
    var log = new System.Text.StringBuilder();
    var clock = Stopwatch.StartNew();
    var result = new Trainer(model, corpus, options, runDirectory).Train(new PrintedProgress(p =>
    {
        if (p.Evaluated) log.AppendLine($"step {p.Step,5}: train loss {p.TrainLoss:F4}, val loss {p.ValLoss:F4}");
    }));
    results[i] = (name, published, result.ValLoss!.Value, result.TrainLoss!.Value, parameters, clock.Elapsed);
    lock (printing)
        Console.Write($"{Environment.NewLine}== {name}{Environment.NewLine}{log}");
});

Console.WriteLine();
Console.WriteLine($"{"",-26} {"parameters",10} {"train",7} {"val",7} {"lecture",8} {"time",6}");
foreach (var r in results)
    Console.WriteLine($"{r.Name,-26} {r.Parameters,10:N0} {r.Train,7:F3} {r.Val,7:F3} {r.Published,8:F2} {r.Time.TotalSeconds,5:F0}s");
if (quick)
    Console.WriteLine("(--quick: 1,000 steps, so the losses sit above the lecture's 5,000-step figures)");

/// <summary>Reports on the trainer's thread, so the lines come in step order (System.Progress would post them to the thread pool).</summary>
sealed class PrintedProgress(Action<TrainingProgress> print) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => print(value);
}

enum Stage { OneHead, MultiHead, FeedForward, ResidualLayerNorm }

/// <summary>
/// The lecture's model at one stage of its progression: token and position embeddings, a body, an output layer.
/// A <see cref="LanguageModel"/>, so the runtime's Trainer can train it.
/// </summary>
sealed class Progression : LanguageModel
{
    public const int Embd = 32, BlockSize = 8, Heads = 4;
    private readonly Embedding token_embedding_table, position_embedding_table;
    private readonly nn.Module<Tensor, Tensor> body;
    private readonly Linear lm_head;

    public Progression(Stage stage, int vocabSize) : base($"{nameof(Progression)}.{stage}", seed: 1337)
    {
        manual_seed(1337);   // the layers initialize from torch's generator, as in PyTorch
        token_embedding_table = nn.Embedding(vocabSize, Embd);
        position_embedding_table = nn.Embedding(BlockSize, Embd);
        body = stage switch
        {
            Stage.OneHead => new Head(Embd, headSize: Embd),
            Stage.MultiHead => new MultiHeadAttention(Heads, Embd / Heads, projection: false),
            Stage.FeedForward => nn.Sequential(
                ("sa_heads", new MultiHeadAttention(Heads, Embd / Heads, projection: false)),
                ("ffwd", new FeedForward(Embd, width: 1))),
            _ => nn.Sequential(
                ("0", new Block(Embd, Heads)), ("1", new Block(Embd, Heads)), ("2", new Block(Embd, Heads)),
                ("ln_f", nn.LayerNorm(Embd))),
        };
        lm_head = nn.Linear(Embd, vocabSize);
        Config = new GptConfig(stage == Stage.ResidualLayerNorm ? 3 : 1, stage == Stage.OneHead ? 1 : Heads, Embd,
            BlockSize, vocabSize, Bias: true, TieWeights: false);
        RegisterComponents();
    }

    public override GptConfig Config { get; }

    public override Tensor forward(Tensor idx)
    {
        var T = idx.shape[1];
        var x = token_embedding_table.forward(idx) + position_embedding_table.forward(arange(T));   // [B, T, C]
        return lm_head.forward(body.forward(x));                                                   // [B, T, V]
    }
}

/// <summary>One head of causal self-attention (step 6), scaled by its head size.</summary>
sealed class Head : nn.Module<Tensor, Tensor>
{
    private readonly Linear key, query, value;
    private readonly Tensor tril;
    private readonly double scale;

    public Head(int embd, int headSize) : base(nameof(Head))
    {
        key = nn.Linear(embd, headSize, hasBias: false);
        query = nn.Linear(embd, headSize, hasBias: false);
        value = nn.Linear(embd, headSize, hasBias: false);
        tril = torch.tril(ones(Progression.BlockSize, Progression.BlockSize));
        scale = Math.Pow(headSize, -0.5);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)                                   // [B, T, C] → [B, T, hs]
    {
        var T = (int)x.shape[1];
        var wei = query.forward(x).matmul(key.forward(x).transpose(-2, -1)) * scale;         // [B, T, T]
        wei = wei.masked_fill(tril[..T, ..T] == 0, double.NegativeInfinity).softmax(-1);    // [B, T, T]
        return wei.matmul(value.forward(x));                                                  // [B, T, hs]
    }
}

/// <summary>Several heads side by side, their outputs concatenated; with the residuals, projected back into the residual path.</summary>
sealed class MultiHeadAttention : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Head> heads;
    private readonly Linear? proj;

    public MultiHeadAttention(int count, int headSize, bool projection) : base(nameof(MultiHeadAttention))
    {
        heads = nn.ModuleList([.. Enumerable.Range(0, count).Select(_ => new Head(Progression.Embd, headSize))]);
        proj = projection ? nn.Linear(count * headSize, Progression.Embd) : null;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)                                   // [B, T, C] → [B, T, C]
    {
        var concatenated = cat([.. heads.Select(h => h.forward(x))], dim: -1);   // [B, T, heads·hs]
        return proj is null ? concatenated : proj.forward(concatenated);
    }
}

/// <summary>Per-token computation: Linear, ReLU; the wide form (inside a block) goes 4× wider and back.</summary>
sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    private readonly Sequential net;

    public FeedForward(int embd, int width) : base(nameof(FeedForward))
    {
        net = width == 1
            ? nn.Sequential(nn.Linear(embd, embd), nn.ReLU())
            : nn.Sequential(nn.Linear(embd, width * embd), nn.ReLU(), nn.Linear(width * embd, embd));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => net.forward(x);               // [B, T, C] → [B, T, C]
}

/// <summary>A Transformer block: communication (attention), then computation (feed-forward), each pre-LayerNorm and residual.</summary>
sealed class Block : nn.Module<Tensor, Tensor>
{
    private readonly MultiHeadAttention sa;
    private readonly FeedForward ffwd;
    private readonly LayerNorm ln1, ln2;

    public Block(int embd, int heads) : base(nameof(Block))
    {
        sa = new MultiHeadAttention(heads, embd / heads, projection: true);
        ffwd = new FeedForward(embd, width: 4);
        ln1 = nn.LayerNorm(embd);
        ln2 = nn.LayerNorm(embd);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)                                   // [B, T, C] → [B, T, C]
    {
        x = x + sa.forward(ln1.forward(x));
        return x + ffwd.forward(ln2.forward(x));
    }
}

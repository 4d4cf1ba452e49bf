// Step 4 — the bigram model. Run from the repository root: dotnet run walkthrough/04-bigram.cs
//
// The simplest language model: predict the next character from the current one alone. It is a 65 × 65 table
// of logits (unnormalized log-probabilities), row = current token, column = next token, and nn.Embedding is
// exactly such a table. It ignores all context before the current token, so it cannot get far, but it sets up
// everything the GPT needs as well: the loss, the training loop, the evaluation and sampling. It also gives
// the baseline that attention has to beat.
#:project ../src/TinyGpt.Runtime
using TinyGpt;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

// One thread: this model's operations are too small to gain from being split across cores, and on a shared
// machine the second thread's waiting only takes turns away from other work.
set_num_threads(1);
var corpus = Corpus.Load();
var vocabSize = corpus.Tokenizer.VocabSize;

// bigram.py's hyperparameters.
const int batchSize = 32, blockSize = 8, maxIters = 3000, evalInterval = 300, evalIters = 200;
const double learningRate = 1e-2;
manual_seed(1337);

using var trainData = tensor(corpus.Split.Train);
using var valData = tensor(corpus.Split.Val);
(Tensor X, Tensor Y) GetBatch(Tensor data)
{
    var ix = randint(data.shape[0] - blockSize, [batchSize]).data<long>().ToArray();
    return (stack(ix.Select(i => data.narrow(0, i, blockSize))), stack(ix.Select(i => data.narrow(0, i + 1, blockSize))));
}

using var model = new Bigram(vocabSize);

// Before training every row is random, so each next character is about equally likely: the loss should be
// near -ln(1/65) = 4.17, and the samples noise.
Console.WriteLine($"untrained: expected loss -ln(1/{vocabSize}) = {-Math.Log(1.0 / vocabSize):F4}");

// The loss is averaged over many batches: one batch's loss jumps around, the mean over 200 does not.
// no_grad: nothing here is trained, so autograd need not remember anything.
double EstimateLoss(Tensor data)
{
    using var _ = no_grad();
    using var scope = NewDisposeScope();
    model.eval();
    var total = 0.0;
    for (var k = 0; k < evalIters; k++)
    {
        var (x, y) = GetBatch(data);
        total += Bigram.Loss(model.forward(x), y).item<float>();
    }
    model.train();
    return total / evalIters;
}

// The training loop: sample a batch, compute the loss, backpropagate, let AdamW nudge every weight.
// A dispose scope per step frees that step's tensors at once instead of waiting for the garbage collector.
var optimizer = optim.AdamW(model.parameters(), lr: learningRate);
for (var iter = 0; iter < maxIters; iter++)
{
    if (iter % evalInterval == 0 || iter == maxIters - 1)
        Console.WriteLine($"step {iter}: train loss {EstimateLoss(trainData):F4}, val loss {EstimateLoss(valData):F4}");
    using var scope = NewDisposeScope();
    var (xb, yb) = GetBatch(trainData);
    var loss = Bigram.Loss(model.forward(xb), yb);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
}
Console.WriteLine();

// Sampling: start from token 0 (the newline), turn the last position's logits into probabilities, draw the
// next token from them, append it, repeat. The text has Shakespeare's letter statistics and layout, but the
// model only ever sees one character, so words do not survive.
using (no_grad())
{
    var idx = zeros(1, 1, ScalarType.Int64);
    for (var i = 0; i < 500; i++)
    {
        var logits = model.forward(idx)[.., -1, ..];                      // [1, V]: the last position only
        var probs = nn.functional.softmax(logits, dim: -1);                // [1, V]
        idx = cat([idx, multinomial(probs, 1)], dim: 1);                   // [1, T + 1]
    }
    Console.WriteLine(corpus.Tokenizer.Decode(idx[0].data<long>().ToArray()));
}

/// <summary>The bigram table: token ids [B, T] → logits [B, T, V] of the next token.</summary>
sealed class Bigram : nn.Module<Tensor, Tensor>
{
    private readonly Embedding token_embedding_table;

    public Bigram(int vocabSize) : base(nameof(Bigram))
    {
        token_embedding_table = nn.Embedding(vocabSize, vocabSize);        // [V, V], ~ N(0, 1)
        RegisterComponents();
    }

    public override Tensor forward(Tensor idx) => token_embedding_table.forward(idx);   // [B, T] → [B, T, V]

    /// <summary>Cross-entropy wants one row of logits per example, so [B, T, V] becomes [B·T, V].</summary>
    public static Tensor Loss(Tensor logits, Tensor targets) =>
        nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), targets.view(-1));
}

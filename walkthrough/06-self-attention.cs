// Step 6 — one head of self-attention. Run from the repository root: dotnet run walkthrough/06-self-attention.cs
//
// Step 5 averaged the past with fixed, equal weights. Self-attention lets the data choose the weights. Every
// token emits two vectors: a query ("what am I looking for?") and a key ("what do I contain?"). The score of
// token t for token s is the dot product query[t] · key[s]: large when they match. The scores are masked and
// softmaxed exactly like step 5's zeros, and the weights then average a third vector, the value ("what I
// will tell you if you attend to me"), instead of the raw tokens.
//
// Notes the lecture makes along the way:
// - Attention is communication between the nodes of a graph; it knows nothing of positions, so the tokens are
//   given a position embedding as well as a token embedding.
// - Examples in a batch never talk to each other: the matmuls run per batch row.
// - The mask makes this a decoder block (the future is hidden). Remove it and every token sees every other,
//   an encoder block, as for sentiment analysis or translation sources.
// - "Self"-attention: queries, keys and values all come from the same x. Cross-attention takes keys and values
//   from elsewhere (an encoder's output).
#:project ../src/TinyGpt.Runtime
using TinyGpt;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

manual_seed(1337);
var tokenizer = Corpus.Load().Tokenizer;
const int embd = 32, headSize = 16;

// A short sequence, embedded: token embedding plus position embedding, [1, T, C]. The tables are untrained,
// so the scores below are what a fresh head computes; training is what makes them meaningful (step 9 shows
// trained ones).
const string text = "To be, or";
var tokens = tensor(tokenizer.Encode(text)).unsqueeze(0);                                   // [1, T]
var T = (int)tokens.shape[1];
var tokenEmbedding = nn.Embedding(tokenizer.VocabSize, embd);
var positionEmbedding = nn.Embedding(T, embd);
using var _ = no_grad();
var x = tokenEmbedding.forward(tokens) + positionEmbedding.forward(arange(T));                 // [1, T, C]

var head = new Head(embd, headSize, blockSize: T);
var (scores, weights, output) = head.Attend(x);

var labels = text.Select(c => AttentionHeatMap.Label(c.ToString()).PadLeft(7)).ToArray();
void Print(string title, Tensor m)                                                              // m: [T, T]
{
    Console.WriteLine(title);
    Console.WriteLine("query\\key" + string.Concat(labels));
    for (var i = 0; i < T; i++)
        Console.WriteLine(labels[i].PadLeft(9) + string.Concat(m[i].data<float>().ToArray().Select(v =>
            (float.IsNegativeInfinity(v) ? "-inf" : v.ToString("F3")).PadLeft(7))));
    Console.WriteLine();
}
Print("scores q·kᵀ/√head_size, the future masked (-inf):", scores[0]);
Print("weights = softmax(scores), each row sums to 1:", weights[0]);
Console.WriteLine($"output = weights @ values: [{string.Join(", ", output.shape)}] (B, T, head_size)");
Console.WriteLine();

// Why divide by √head_size: q and k have unit-variance entries, so their dot product has variance head_size.
// Softmax of large scores is nearly one-hot (each token would listen to a single other token, especially at
// initialization); scaling keeps the variance near 1 and the softmax diffuse.
var q = randn(1000, T, headSize);
var k = randn(1000, T, headSize);
var raw = q.matmul(k.transpose(-2, -1));
Console.WriteLine($"variance of q·kᵀ: {raw.var().item<float>():F2} unscaled, {(raw * Math.Pow(headSize, -0.5)).var().item<float>():F2} scaled");
using var wide = tensor(new float[] { 0.1f, -0.2f, 0.3f, -0.2f, 0.5f });
Console.WriteLine($"softmax([0.1, -0.2, 0.3, -0.2, 0.5])      = [{Fmt(wide.softmax(-1))}]");
Console.WriteLine($"softmax([0.1, -0.2, 0.3, -0.2, 0.5] × 8) = [{Fmt((wide * 8).softmax(-1))}]  (sharpens toward the largest)");
static string Fmt(Tensor t) => string.Join(", ", t.data<float>().ToArray().Select(v => v.ToString("F3")));

/// <summary>One head of causal self-attention, as the lecture writes it: key, query and value without bias.</summary>
sealed class Head : nn.Module<Tensor, Tensor>
{
    private readonly Linear key, query, value;
    private readonly Tensor tril;
    private readonly int headSize;

    public Head(int embd, int headSize, int blockSize) : base(nameof(Head))
    {
        key = nn.Linear(embd, headSize, hasBias: false);
        query = nn.Linear(embd, headSize, hasBias: false);
        value = nn.Linear(embd, headSize, hasBias: false);
        tril = torch.tril(ones(blockSize, blockSize));                      // a buffer: saved, never trained
        this.headSize = headSize;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Attend(x).Output;

    /// <summary>x [B, T, C] → the masked scores and weights [B, T, T] and the output [B, T, head_size].</summary>
    public (Tensor Scores, Tensor Weights, Tensor Output) Attend(Tensor x)
    {
        var T = x.shape[1];
        var k = key.forward(x);                                             // [B, T, hs]
        var q = query.forward(x);                                           // [B, T, hs]
        var scores = q.matmul(k.transpose(-2, -1)) * Math.Pow(headSize, -0.5);   // [B, T, T]
        scores = scores.masked_fill(tril[..(int)T, ..(int)T] == 0, double.NegativeInfinity);
        var weights = scores.softmax(-1);                                   // [B, T, T]
        var v = value.forward(x);                                           // [B, T, hs]
        return (scores, weights, weights.matmul(v));                        // [B, T, hs]
    }
}

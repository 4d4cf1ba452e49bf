// Step 5 — the mathematical trick behind self-attention. Run from the repository root:
// dotnet run walkthrough/05-averaging.cs
//
// The bigram model looks at one token. To use the context, token t should gather information from tokens
// 0..t — never from t+1 onwards, which are the future it has to predict. The simplest way to gather is to
// average: x̄[t] = mean(x[0..t]). Averaging throws away the order, and attention will do better by weighting
// the past instead of averaging it, but the way to compute it is the same. This step computes that causal
// average three ways and shows they are equal: the third one is the form attention uses.
#:project ../src/TinyGpt.Runtime
using static TorchSharp.torch;

manual_seed(1337);
const int B = 4, T = 8, C = 2;                         // batch, time, channels
using var x = randn(B, T, C);

// Version 1: two loops, the definition itself. Slow: one small operation per (b, t).
using var xbow = zeros(B, T, C);
for (var b = 0; b < B; b++)
    for (var t = 0; t < T; t++)
        xbow[b, t] = x[b, ..(t + 1)].mean([0]);        // [t+1, C] → [C]

// Version 2: one matrix multiplication. Row t of a lower-triangular matrix of ones picks tokens 0..t;
// dividing each row by its sum turns the sum into an average. (T, T) @ (B, T, C) broadcasts over the batch.
using var tril2 = tril(ones(T, T));
using var wei2 = tril2 / tril2.sum(1, keepdim: true);   // [T, T], each row sums to 1
using var xbow2 = wei2.matmul(x);                       // [T, T] @ [B, T, C] → [B, T, C]

// Version 3: softmax over a masked matrix. Start from zeros ("every token is equally interesting"), set the
// future to -inf ("never look there"), and softmax makes each row exp(0) / (number of visible tokens): the
// same averages. In self-attention the zeros become scores computed from the data, so tokens find each other
// interesting in different amounts; the mask and the softmax stay exactly as here.
using var tril3 = tril(ones(T, T));
using var wei3 = zeros(T, T).masked_fill(tril3 == 0, double.NegativeInfinity).softmax(-1);   // [T, T]
using var xbow3 = wei3.matmul(x);                                                           // [B, T, C]

string Rows(Tensor m) => string.Join(Environment.NewLine, Enumerable.Range(0, (int)m.shape[0])
    .Select(i => "  " + string.Join(" ", m[i].data<float>().ToArray().Select(v => v.ToString("F4").PadLeft(8)))));

Console.WriteLine("x[0] (8 tokens, 2 channels):");
Console.WriteLine(Rows(x[0]));
Console.WriteLine("the averaging weights (version 2; version 3's softmax gives the same):");
Console.WriteLine(Rows(wei2));
Console.WriteLine("xbow[0], the running average of x[0] (version 1):");
Console.WriteLine(Rows(xbow[0]));
Console.WriteLine();

// Equal up to float rounding: the three add in different orders, so they can differ in the last bits of a
// float. allclose's default tolerance (1e-8 plus 1e-5 relative) fails on averages near zero; 1e-6 is still
// a millionth of the values' size.
const double tolerance = 1e-6;
bool Same(Tensor a, Tensor b) => a.allclose(b, rtol: 1e-5, atol: tolerance);
Console.WriteLine($"loops vs matmul:         max |difference| = {(xbow - xbow2).abs().max().item<float>():0.0e+0}, equal: {Same(xbow, xbow2)}");
Console.WriteLine($"loops vs masked softmax: max |difference| = {(xbow - xbow3).abs().max().item<float>():0.0e+0}, equal: {Same(xbow, xbow3)}");
Console.WriteLine($"the three averages are equal: {Same(xbow, xbow2) && Same(xbow, xbow3)}");

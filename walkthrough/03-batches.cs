// Step 3 — batches. Run from the repository root: dotnet run walkthrough/03-batches.cs
//
// We never feed the whole text to the model at once. We train on short random chunks of at most block_size
// tokens, the context length. One chunk of block_size + 1 tokens holds block_size examples at once: each
// prefix of the chunk is a context and the token after it is the target. Training on every prefix length,
// 1 to block_size, also teaches the model to predict from as little as one character, which sampling needs
// (it starts from a single token). And a batch stacks several chunks so that one step keeps the CPU busy;
// the chunks never talk to each other.
#:project ../src/TinyGpt.Runtime
using TinyGpt;
using static TorchSharp.torch;

var corpus = Corpus.Load();   // step 2's tokens and 90/10 split
using var trainData = tensor(corpus.Split.Train);

const int blockSize = 8;
string Show(Tensor t) => $"[{string.Join(", ", t.data<long>().ToArray())}]";

// One chunk: the first block_size + 1 training tokens, and the block_size examples inside it.
using var x = trainData[..blockSize];
using var y = trainData[1..(blockSize + 1)];
Console.WriteLine($"train_data[:{blockSize + 1}] = {Show(trainData[..(blockSize + 1)])}");
for (var t = 0; t < blockSize; t++)
    Console.WriteLine($"when input is {Show(x[..(t + 1)])} the target: {y[t].item<long>()}");
Console.WriteLine();

// A batch: batch_size random chunks, stacked. Inputs xb and targets yb are both [batch_size, block_size], and
// yb is xb shifted left by one. The lecture seeds torch with 1337; libtorch's generator is PyTorch's, so the
// offsets (and the batch) are the ones the lecture prints.
const int batchSize = 4;
manual_seed(1337);
(Tensor X, Tensor Y) GetBatch(Tensor data)
{
    var ix = randint(data.shape[0] - blockSize, [batchSize]).data<long>().ToArray();
    return (stack(ix.Select(i => data.narrow(0, i, blockSize))), stack(ix.Select(i => data.narrow(0, i + 1, blockSize))));
}
var (xb, yb) = GetBatch(trainData);
Console.WriteLine($"inputs: [{string.Join(", ", xb.shape)}]");
for (var b = 0; b < batchSize; b++) Console.WriteLine(Show(xb[b]));
Console.WriteLine($"targets: [{string.Join(", ", yb.shape)}]");
for (var b = 0; b < batchSize; b++) Console.WriteLine(Show(yb[b]));
Console.WriteLine("----");

// Spelled out, one batch is batch_size × block_size = 32 independent examples for the model.
for (var b = 0; b < batchSize; b++)
    for (var t = 0; t < blockSize; t++)
        Console.WriteLine($"when input is {Show(xb[b, ..(t + 1)])} the target: {yb[b, t].item<long>()}");

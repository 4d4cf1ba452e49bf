// Step 8 — the GPT from one attribute. Run from the repository root: dotnet run walkthrough/08-gpt.cs
//
// Step 7 ended with the lecture's Transformer, written out by hand. The full GPT adds little to it: more and
// wider blocks, a longer context, dropout for the larger sizes. nanoGPT's model.py is that model, tidied up:
// the heads of a layer computed together in one Linear (c_attn gives q, k and v for all heads at once), GELU
// instead of ReLU, the output layer sharing its weights with the token embedding.
//
// TinyGpt writes that model for you. The attribute at the bottom of this file is the whole declaration: at
// build time TinyGpt's source generator reads it and writes the partial class's other half, a TorchSharp
// module with nanoGPT's architecture, parameter names and initialization, the tensor shape on every line.
// Impossible settings are compile errors: try Heads = 3 (it does not divide Embd = 64) and run again.
// (A file-based app does not load a generator from #:project; walkthrough/Directory.Build.props adds it.)
#:project ../src/TinyGpt.Runtime
using TinyGpt;

// One thread: this model's operations are too small to gain from being split across cores, and on a shared
// machine the second thread's waiting only takes turns away from other work.
TorchSharp.torch.set_num_threads(1);
var corpus = Corpus.Load();

using var model = new WalkthroughGpt(seed: 1337);
Console.WriteLine($"WalkthroughGpt: {WalkthroughGpt.Layers} layers, {WalkthroughGpt.Heads} heads of {WalkthroughGpt.HeadSize}, " +
                  $"Embd {WalkthroughGpt.Embd}, BlockSize {WalkthroughGpt.BlockSize}, {WalkthroughGpt.ParameterCount:N0} parameters");

// Train briefly with the runtime's Trainer (nanoGPT's recipe: AdamW, warm-up then cosine decay, clipping).
// The run directory keeps the checkpoint that step 9 reads, a log and a loss curve (loss.png).
var runDirectory = Path.Combine("runs", "walkthrough", "08-gpt");
var options = new TrainingOptions
{
    Steps = 600, BatchSize = 16, LearningRate = 3e-3, MinLearningRate = 3e-4, WarmupSteps = 50,
    EvalInterval = 200, EvalIters = 50, Seed = 1337, Overwrite = true, Device = "cpu",
};
var result = new Trainer(model, corpus, options, runDirectory).Train(new PrintedProgress(p =>
{
    if (p.Evaluated) Console.WriteLine($"step {p.Step,4}: train loss {p.TrainLoss:F4}, val loss {p.ValLoss:F4}");
}));
Console.WriteLine($"trained {result.Step} steps in {result.Elapsed.TotalSeconds:F0} s: val loss {result.ValLoss:F4} " +
                  $"(the bigram table reached about 2.49); checkpoint, log and loss.png in {runDirectory}");
Console.WriteLine();

// Sampling: the runtime's Sampler does step 4's loop with a KV cache, cropping the context to BlockSize.
var sample = new Sampler(model, corpus.Tokenizer).Generate(new SamplingOptions { Prompt = "ROMEO:", MaxNewTokens = 300, Seed = 1337 });
Console.WriteLine(sample[0]);
Console.WriteLine();

// Where to read what the attribute wrote: in an IDE, Go to Definition on WalkthroughGpt; on disk, the build
// writes the generated source beside this step.
var stepFolder = (string)AppContext.GetData("EntryPointFileDirectoryPath")!;
var generatedFolder = Path.Combine(stepFolder, "generated", "08-gpt");
var generated = Directory.Exists(generatedFolder)
    ? Directory.EnumerateFiles(generatedFolder, "WalkthroughGpt*.g.cs", SearchOption.AllDirectories)
        .Select(f => Path.GetRelativePath(Directory.GetCurrentDirectory(), f)).Order().ToArray()
    : [];
Console.WriteLine("the generated source of WalkthroughGpt:");
foreach (var file in generated) Console.WriteLine($"  {file}");
if (generated.Length == 0)
    Console.WriteLine($"  not on disk: {generatedFolder} is written by walkthrough/Directory.Build.props when the step builds");

/// <summary>Prints on the trainer's thread, so the lines come in step order.</summary>
sealed class PrintedProgress(Action<TrainingProgress> print) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => print(value);
}

// The whole model: nanoGPT's architecture at 4 layers, 4 heads, Embd 64, a context of 32 characters.
[Gpt(Layers = 4, Heads = 4, Embd = 64, BlockSize = 32)]
public partial class WalkthroughGpt;

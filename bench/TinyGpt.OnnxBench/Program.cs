// Sampling speed of the ONNX sampler package (ONNX Runtime) against TinyGpt's sampler (TorchSharp), KV cache on
// both, same model, same seed, same thread count; and the size of what each needs on disk for linux-x64.
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using TinyGpt;
using TinyGpt.Interop;
using TinyGpt.Onnx;

var threads = Args.Int(args, "--threads", 2);
var rounds = Args.Int(args, "--rounds", 3);
var quick = args.Contains("--quick");
TorchSharp.torch.set_num_threads(threads);
Console.WriteLine($"ONNX sampler vs TorchSharp sampler: {threads} threads each, {rounds} alternating rounds, fastest round shown; " +
    $"load average at start {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
Console.WriteLine();

var folder = Directory.CreateTempSubdirectory("tinygpt-onnx-bench-").FullName;
try
{
    Console.WriteLine("| model | new tokens | TorchSharp tokens/s | ONNX Runtime tokens/s | ONNX / TorchSharp | same text |");
    Console.WriteLine("|---|---|---|---|---|---|");
    var vocabulary = Corpus.Load().Tokenizer;
    Run("baby (4/4/128, BlockSize 64)", new BabyGpt(seed: 1), quick ? 100 : 500);
    Run("shakespeare_char (6/6/384, BlockSize 256), within BlockSize", new ShakespeareGpt(seed: 1), quick ? 50 : 255);
    Run("shakespeare_char, past BlockSize", new ShakespeareGpt(seed: 1), quick ? 300 : 500);

    void Run(string label, LanguageModel model, int tokens)
    {
        model.eval();
        var path = Path.Combine(folder, model.GetName() + ".onnx");
        if (!File.Exists(path))
            OnnxExport.Write(model, vocabulary.Vocabulary, path);
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        using var onnx = OnnxGpt.Load(path, options);
        var torchSampler = new Sampler(model, vocabulary);
        var onnxSampler = new OnnxSampler(onnx);
        var sampling = new SamplingOptions { Prompt = "\n", MaxNewTokens = tokens, Seed = 1337 };
        var onnxSampling = new OnnxSamplingOptions { MaxNewTokens = tokens, Seed = 1337 };

        torchSampler.Generate(sampling with { MaxNewTokens = 20 });      // warm-up: JIT, libtorch and ORT kernels
        onnxSampler.Generate("\n", onnxSampling with { MaxNewTokens = 20 });
        double bestTorch = 0, bestOnnx = 0;
        string torchText = "", onnxText = "";
        for (var round = 0; round < rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            torchText = torchSampler.Generate(sampling)[0];
            bestTorch = Math.Max(bestTorch, tokens / watch.Elapsed.TotalSeconds);
            watch.Restart();
            onnxText = onnxSampler.Generate("\n", onnxSampling);
            bestOnnx = Math.Max(bestOnnx, tokens / watch.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"| {label} | {tokens} | {bestTorch:N0} | {bestOnnx:N0} | **{bestOnnx / bestTorch:0.00}×** | {(torchText == onnxText ? "yes" : "NO")} |");
    }

    Console.WriteLine();
    Console.WriteLine($"load average at end {File.ReadAllText("/proc/loadavg").Split(' ')[0]} ({Environment.ProcessorCount} cores; above 0.75 per core the figures are not representative)");
    Console.WriteLine();
    Sizes.Print();
}
finally
{
    Directory.Delete(folder, recursive: true);
}

[Gpt(Layers = 4, Heads = 4, Embd = 128, BlockSize = 64)]
public partial class BabyGpt;

[Gpt(Layers = 6, Heads = 6, Embd = 384, BlockSize = 256, Dropout = 0.2)]
public partial class ShakespeareGpt;

static class Args
{
    public static int Int(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
    }
}

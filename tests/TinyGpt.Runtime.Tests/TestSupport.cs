using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyGpt.Runtime.Tests;

/// <summary>A temporary directory removed at dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => System.IO.Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tinygpt-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>
/// A small hand-written language model for trainer tests: embedding, one hidden layer with
/// dropout, and an LM head tied to the embedding (so the tied-parameter path is exercised).
/// </summary>
public sealed class TinyLm : LanguageModel
{
    private readonly Embedding wte;
    private readonly Embedding wpe;
    private readonly Linear hidden;
    private readonly Dropout drop;
    private readonly Linear lm_head;

    public TinyLm(int vocabSize = 65, int blockSize = 16, int embd = 16, double dropout = 0.0, string name = nameof(TinyLm)) : base(name)
    {
        Config = new GptConfig(1, 1, embd, blockSize, vocabSize, dropout, Bias: true, TieWeights: true);
        wte = nn.Embedding(vocabSize, embd);
        wpe = nn.Embedding(blockSize, embd);
        hidden = nn.Linear(embd, embd);
        drop = nn.Dropout(dropout);
        lm_head = nn.Linear(embd, vocabSize, hasBias: false);
        lm_head.weight = wte.weight!;
        RegisterComponents();
    }

    public override GptConfig Config { get; }

    public override Tensor forward(Tensor idx)
    {
        var t = idx.shape[1];
        using var pos = arange(t, dtype: ScalarType.Int64, device: idx.device);
        var x = wte.forward(idx) + wpe.forward(pos);                    // [B, T, E]
        x = x + drop.forward(nn.functional.gelu(hidden.forward(x)));    // [B, T, E]
        return lm_head.forward(x);                                      // [B, T, V]
    }
}

public static class Tiny
{
    /// <summary>A short, repetitive corpus (learnable in a few dozen steps).</summary>
    public static Corpus Corpus() => TinyGpt.Corpus.FromText(string.Concat(Enumerable.Repeat("the cat sat on the mat. the dog ate the log.\n", 60)), "tiny");

    public static TrainingOptions Options(int steps = 20) => new()
    {
        Steps = steps,
        BatchSize = 4,
        LearningRate = 1e-2,
        MinLearningRate = 1e-3,
        WarmupSteps = 2,
        EvalInterval = 5,
        EvalIters = 2,
        Seed = 7,
        Device = "cpu",
        WritePlot = false,
    };

    public static TinyLm Model(Corpus corpus, double dropout = 0.0, long seed = 7)
    {
        torch.random.manual_seed(seed);
        return new TinyLm(corpus.Tokenizer.VocabSize, dropout: dropout);
    }
}

/// <summary>What every library error must be: C# wording, the property it is about, no command-line flag.</summary>
public static class LibraryError
{
    /// <summary>Runs <paramref name="mistake"/>, which must throw a <see cref="TinyGptException"/> about <paramref name="option"/> saying <paramref name="expected"/>.</summary>
    public static TinyGptException Assert(Action mistake, string option, string expected)
    {
        var e = Xunit.Assert.Throws<TinyGptException>(mistake);
        Xunit.Assert.Equal(option, e.Option);
        Xunit.Assert.Contains(expected, e.Message);
        Xunit.Assert.DoesNotMatch(@"(^|\s|\()--[a-z]", e.Message);   // no flag: a library user has none
        if (e.Remedy is { } remedy)
            Xunit.Assert.EndsWith(remedy, e.Message);
        return e;
    }
}

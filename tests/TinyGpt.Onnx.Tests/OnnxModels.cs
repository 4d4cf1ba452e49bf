using TinyGpt.Interop;
using Xunit;

namespace TinyGpt.Onnx.Tests;

/// <summary>A baby-shaped model, small enough to train for a few steps in a test.</summary>
[Gpt(Layers = 2, Heads = 4, Embd = 32, BlockSize = 16)]
public partial class SmallGpt;

/// <summary>Biases in every Linear and LayerNorm, and an lm_head of its own.</summary>
[Gpt(Layers = 2, Heads = 2, Embd = 32, BlockSize = 16, Bias = true, TieWeights = false)]
public partial class BiasedUntiedGpt;

/// <summary>Dropout acts only in training; the export is eval mode.</summary>
[Gpt(Layers = 1, Heads = 2, Embd = 16, BlockSize = 12, Dropout = 0.2)]
public partial class DropoutGpt;

/// <summary>Sizes that are no powers of two: 5 heads of 4, a vocabulary of 67 (two rows no character uses).</summary>
[Gpt(Layers = 2, Heads = 5, Embd = 20, BlockSize = 10, VocabSize = 67, Bias = true)]
public partial class OddGpt;

/// <summary>
/// The <c>modern</c> preset's own declaration (nanochat's block at baby's size): rotary positions, QK-norm, relu²,
/// parameter-free RMSNorm (also after the embedding), 2 key/value heads for 4 query heads, logit softcap 15, untied.
/// </summary>
[Gpt(Layers = 4, Heads = 4, KvHeads = 2, Embd = 128, BlockSize = 64, Positions = Positions.Rotary,
    Norm = Norm.RmsNorm, NormWeights = false, QkNorm = true, EmbeddingNorm = true,
    Activation = Activation.ReluSquared, LogitSoftcap = 15, TieWeights = false)]
public partial class ModernGpt;

/// <summary>The lecture's <c>gpt.py</c> options (ReLU, biases but on q/k/v, a bias on lm_head, untied) at a test's size.</summary>
[Gpt(Layers = 2, Heads = 3, Embd = 24, BlockSize = 12, Dropout = 0.2, Activation = Activation.Relu,
    Bias = true, QkvBias = false, LmHeadBias = true, TieWeights = false)]
public partial class LectureGpt;

/// <summary>
/// SwiGLU on an MLP of 40, RMSNorm with weights (QK-norm too), biases on every Linear and lm_head, rotary with base
/// 500, tied, a vocabulary of 67.
/// </summary>
[Gpt(Layers = 2, Heads = 3, Embd = 24, BlockSize = 12, VocabSize = 67, Activation = Activation.SwiGlu,
    Norm = Norm.RmsNorm, QkNorm = true, Positions = Positions.Rotary, RopeBase = 500, Bias = true, LmHeadBias = true,
    MlpHidden = 40)]
public partial class SwiGluGpt;

/// <summary>
/// Grouped-query attention with learned positions; LayerNorms with weights and biases after the embedding and per
/// head (QK-norm); GELU on an MLP of 48; logit softcap 5.
/// </summary>
[Gpt(Layers = 2, Heads = 4, KvHeads = 2, Embd = 32, BlockSize = 16, Bias = true, QkNorm = true, EmbeddingNorm = true,
    MlpHidden = 48, LogitSoftcap = 5)]
public partial class GroupedLayerNormGpt;

/// <summary>
/// Multi-query attention (one key/value head for 4), parameter-free LayerNorms everywhere (QK-norm and after the
/// embedding too), rotary positions, ReLU, a bias on q/k/v alone, untied.
/// </summary>
[Gpt(Layers = 2, Heads = 4, KvHeads = 1, Embd = 16, BlockSize = 10, Positions = Positions.Rotary, NormWeights = false,
    QkNorm = true, EmbeddingNorm = true, Activation = Activation.Relu, QkvBias = true, TieWeights = false)]
public partial class MultiQueryGpt;

/// <summary>bfloat16 compute, which the export refuses.</summary>
[Gpt(Layers = 1, Heads = 2, Embd = 16, BlockSize = 8, Precision = Precision.BFloat16)]
public partial class Bf16Gpt;

/// <summary>Every architecture option the export covers (see OptionCoverageTests), trained briefly on Tiny Shakespeare and exported once per test run.</summary>
public static class OnnxModels
{
    public static readonly IReadOnlyDictionary<string, Func<LanguageModel>> All = new Dictionary<string, Func<LanguageModel>>
    {
        ["small"] = () => new SmallGpt(seed: 1),
        ["bias-untied"] = () => new BiasedUntiedGpt(seed: 2),
        ["dropout"] = () => new DropoutGpt(seed: 3),
        ["odd"] = () => new OddGpt(seed: 4),
        ["modern"] = () => new ModernGpt(seed: 6),
        ["lecture"] = () => new LectureGpt(seed: 7),
        ["swiglu"] = () => new SwiGluGpt(seed: 8),
        ["grouped-layernorm"] = () => new GroupedLayerNormGpt(seed: 9),
        ["multi-query"] = () => new MultiQueryGpt(seed: 10),
        ["bigram"] = () => new BigramLanguageModel(65, 8, seed: 5),
    };

    public static TheoryData<string> Names => new(All.Keys);

    private static readonly Dictionary<string, Lazy<Trained>> Cache =
        All.ToDictionary(kv => kv.Key, kv => new Lazy<Trained>(() => Train(kv.Key, kv.Value)));

    /// <summary>The model <paramref name="name"/> after a few training steps, and its ONNX export.</summary>
    public static Trained Get(string name) => Cache[name].Value;

    public static readonly Lazy<Corpus> Shakespeare = new(() => Corpus.Load());

    private static Trained Train(string name, Func<LanguageModel> create)
    {
        var folder = Path.Combine(Path.GetTempPath(), "tinygpt-onnx-" + Guid.NewGuid().ToString("N")[..10]);
        var model = create();
        var corpus = Shakespeare.Value;
        var options = new TrainingOptions
        {
            Steps = 25, BatchSize = 4, LearningRate = 1e-2, MinLearningRate = 1e-3, WarmupSteps = 0,
            EvalInterval = 1000, EvalIters = 1, Seed = 7, Device = "cpu", WritePlot = false,
        };
        new Trainer(model, corpus, options, Path.Combine(folder, "run")).Train();
        model.eval();
        var files = OnnxExport.Write(model, corpus.Tokenizer.Vocabulary, Path.Combine(folder, name + ".onnx"));
        return new Trained(model, corpus.Tokenizer, files);
    }
}

/// <summary>A trained model, its tokenizer and its exported files.</summary>
public sealed record Trained(LanguageModel Model, CharTokenizer Tokenizer, OnnxExportedFiles Files);

namespace TinyGpt.App.Models;

/// <summary>How a model trains unless the user says otherwise.</summary>
public sealed record TrainingDefaults(
    int Steps,
    int BatchSize,
    double LearningRate,
    double MinLearningRate,
    int Warmup,
    int EvalInterval,
    int EvalIters);

/// <summary>
/// One model <c>tinygpt</c> can train: <see cref="Name"/> is what <c>--model</c> takes;
/// <see cref="CheckpointName"/> is the module name checkpoints record (its class name), by which
/// <c>sample</c> finds the architecture to rebuild. <see cref="ConfigFor"/> gives the
/// hyperparameters without building anything, so memory can be checked before allocation.
/// </summary>
public sealed record ModelEntry(
    string Name,
    string CheckpointName,
    string Summary,
    TrainingDefaults Defaults,
    Func<int, GptConfig> ConfigFor,
    Func<int, long?, LanguageModel> Factory)
{
    /// <summary>
    /// A fresh model; <paramref name="corpusVocabSize"/> sizes the models that take their vocabulary from the corpus,
    /// and <paramref name="seed"/> seeds its initial weights (null: drawn from torch's default generator).
    /// </summary>
    public LanguageModel Create(int corpusVocabSize, long? seed = null) => Factory(corpusVocabSize, seed);
}

/// <summary>Every model of the app, in one place.</summary>
public static class ModelCatalog
{
    /// <summary>The model <c>train</c> and <c>info</c> use without <c>--model</c>.</summary>
    public const string DefaultName = "baby";

    /// <summary>The bigram model's training window: it sees one token, so a short window suffices.</summary>
    private const int BigramBlockSize = 8;

    /// <summary>All models, the default first.</summary>
    public static IReadOnlyList<ModelEntry> All { get; } =
    [
        new("baby", nameof(BabyGpt), "4 layers, 4 heads, 128 wide, context 64: a GPT that trains on a CPU in minutes",
            new TrainingDefaults(Steps: 2000, BatchSize: 12, LearningRate: 1e-3, MinLearningRate: 1e-4, Warmup: 100, EvalInterval: 250, EvalIters: 20),
            _ => BabyGpt.Hyperparameters, (_, seed) => new BabyGpt(seed)),
        new("shakespeare", nameof(ShakespeareGpt), "nanoGPT's shakespeare_char: 6 layers, 6 heads, 384 wide, context 256, dropout 0.2 (meant for a GPU)",
            new TrainingDefaults(Steps: 5000, BatchSize: 64, LearningRate: 1e-3, MinLearningRate: 1e-4, Warmup: 100, EvalInterval: 250, EvalIters: 200),
            _ => ShakespeareGpt.Hyperparameters, (_, seed) => new ShakespeareGpt(seed)),
        new("lecture", nameof(LectureGpt), "the lecture's gpt.py: 6 layers, 6 heads, 384 wide, context 256, dropout 0.2, ReLU, 10,788,929 parameters (meant for a GPU)",
            new TrainingDefaults(Steps: 5000, BatchSize: 64, LearningRate: 3e-4, MinLearningRate: 3e-4, Warmup: 0, EvalInterval: 500, EvalIters: 200),
            _ => LectureGpt.Hyperparameters, (_, seed) => new LectureGpt(seed)),
        new("modern", nameof(ModernGpt), "nanochat's block at baby's size: rotary, QK-norm, relu², parameter-free RMSNorm, 2 KV heads, softcap 15",
            new TrainingDefaults(Steps: 2000, BatchSize: 12, LearningRate: 1e-3, MinLearningRate: 1e-4, Warmup: 100, EvalInterval: 250, EvalIters: 20),
            _ => ModernGpt.Hyperparameters, (_, seed) => new ModernGpt(seed)),
        new("bigram", nameof(BigramLanguageModel), "the walkthrough's baseline: each character predicts the next from a vocab x vocab table",
            new TrainingDefaults(Steps: 3000, BatchSize: 32, LearningRate: 1e-2, MinLearningRate: 1e-3, Warmup: 100, EvalInterval: 500, EvalIters: 50),
            vocabSize => BigramLanguageModel.ConfigFor(vocabSize, BigramBlockSize), (vocabSize, seed) => new BigramLanguageModel(vocabSize, BigramBlockSize, seed)),
    ];

    /// <summary>The model called <paramref name="name"/>; an unknown name is a user error listing the known ones.</summary>
    public static ModelEntry Find(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new TinyGptException($"Unknown model '{name}'. Choose one of: {string.Join(", ", All.Select(m => m.Name))}.");

    /// <summary>The model a checkpoint was trained for, by the name it recorded.</summary>
    public static ModelEntry ForCheckpoint(CheckpointMetadata metadata, string checkpoint) =>
        All.FirstOrDefault(m => m.CheckpointName == metadata.ModelName)
        ?? throw new TinyGptException(
            $"The checkpoint '{checkpoint}' holds a {metadata.ModelName}, which tinygpt does not know; " +
            $"it samples from {string.Join(", ", All.Select(m => $"{m.CheckpointName} (--model {m.Name})"))}.");
}

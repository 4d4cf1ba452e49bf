namespace TinyGpt.Interop;

/// <summary>
/// Every property of <see cref="GptConfig"/>, and the texts that describe a model by them in C# terms
/// (<c>Layers = 4, …, KvHeads = 2, Positions = Rotary</c>): the CLI rewords only what has a flag.
/// </summary>
public static class GptOptions
{
    /// <summary>nanoGPT's <c>GPTConfig</c> fields and <see cref="GptConfig.TieWeights"/>, then the architecture options, in <see cref="GptConfig"/>'s order.</summary>
    public static IReadOnlyList<GptOption> All { get; } =
    [
        GptOption.Of(nameof(GptConfig.Layers), c => c.Layers, _ => 0, (c, v) => c with { Layers = v }),
        GptOption.Of(nameof(GptConfig.Heads), c => c.Heads, _ => 0, (c, v) => c with { Heads = v }),
        GptOption.Of(nameof(GptConfig.Embd), c => c.Embd, _ => 0, (c, v) => c with { Embd = v }),
        GptOption.Of(nameof(GptConfig.BlockSize), c => c.BlockSize, _ => 0, (c, v) => c with { BlockSize = v }),
        GptOption.Of(nameof(GptConfig.VocabSize), c => c.VocabSize, _ => 0, (c, v) => c with { VocabSize = v }),
        GptOption.Of(nameof(GptConfig.Dropout), c => c.Dropout, _ => 0.0, (c, v) => c with { Dropout = v }),
        GptOption.Of(nameof(GptConfig.Bias), c => c.Bias, _ => false, (c, v) => c with { Bias = v }),
        GptOption.Of(nameof(GptConfig.TieWeights), c => c.TieWeights, _ => true, (c, v) => c with { TieWeights = v }),
        GptOption.Of(nameof(GptConfig.Activation), c => c.Activation, _ => Activation.Gelu, (c, v) => c with { Activation = v }),
        GptOption.Of(nameof(GptConfig.Norm), c => c.Norm, _ => Norm.LayerNorm, (c, v) => c with { Norm = v }),
        GptOption.Of(nameof(GptConfig.NormWeights), c => c.NormWeights, _ => true, (c, v) => c with { NormWeights = v }),
        GptOption.Of(nameof(GptConfig.Positions), c => c.Positions, _ => Positions.Learned, (c, v) => c with { Positions = v }),
        GptOption.Of(nameof(GptConfig.RopeBase), c => c.RopeBase, _ => 10000.0, (c, v) => c with { RopeBase = v }),
        GptOption.Of(nameof(GptConfig.KvHeads), c => c.KvHeads, c => c.Heads, (c, v) => c with { KvHeads = v }),
        GptOption.Of(nameof(GptConfig.QkNorm), c => c.QkNorm, _ => false, (c, v) => c with { QkNorm = v }),
        GptOption.Of(nameof(GptConfig.EmbeddingNorm), c => c.EmbeddingNorm, _ => false, (c, v) => c with { EmbeddingNorm = v }),
        GptOption.Of(nameof(GptConfig.LogitSoftcap), c => c.LogitSoftcap, _ => 0.0, (c, v) => c with { LogitSoftcap = v }),
        GptOption.Of(nameof(GptConfig.QkvBias), c => c.QkvBias ?? c.Bias, c => c.Bias, (c, v) => c with { QkvBias = v }),
        GptOption.Of(nameof(GptConfig.LmHeadBias), c => c.LmHeadBias, _ => false, (c, v) => c with { LmHeadBias = v }),
        GptOption.Of(nameof(GptConfig.MlpHidden), c => c.MlpHidden, c => 4 * c.Embd, (c, v) => c with { MlpHidden = v }),
    ];

    /// <summary>What every description shows, defaults or not: nanoGPT's sizes, <c>Bias</c> and <c>TieWeights</c>.</summary>
    private static readonly HashSet<string> AlwaysShown =
    [
        nameof(GptConfig.Layers), nameof(GptConfig.Heads), nameof(GptConfig.Embd), nameof(GptConfig.BlockSize),
        nameof(GptConfig.VocabSize), nameof(GptConfig.Bias), nameof(GptConfig.TieWeights),
    ];

    /// <summary>The option called <paramref name="name"/> (its C# name, case-sensitive), or null.</summary>
    public static GptOption? Find(string name) => All.FirstOrDefault(o => o.Name == name);

    /// <summary>
    /// <paramref name="config"/> as <c>Layers = 4, Heads = 4, Embd = 128, BlockSize = 64, VocabSize = 65, Bias = false,
    /// TieWeights = true</c>, followed by every other option that differs from its default (<c>Dropout = 0.2</c>,
    /// <c>KvHeads = 2</c>, <c>Positions = Rotary</c>, …), so that two different architectures are never described alike.
    /// </summary>
    public static string Describe(GptConfig config) =>
        string.Join(", ", All.Where(o => AlwaysShown.Contains(o.Name) || !o.IsDefaultIn(config)).Select(o => o.Assignment(config)));

    /// <summary>
    /// The options whose values differ between <paramref name="a"/> and <paramref name="b"/>, in <see cref="All"/>'s order;
    /// one left at its default in both (<c>KvHeads</c> following <c>Heads</c>, <c>MlpHidden</c> following <c>Embd</c>) is
    /// not named, since the property it follows is.
    /// </summary>
    public static IReadOnlyList<GptOption> Differing(GptConfig a, GptConfig b) =>
        [.. All.Where(o => !Equals(o.ValueIn(a), o.ValueIn(b)) && !(o.IsDefaultIn(a) && o.IsDefaultIn(b)))];

    /// <summary>The options that differ, each as in <paramref name="a"/> (<c>KvHeads = 2, Positions = Rotary</c>); empty when none do.</summary>
    public static string DescribeDifferences(IEnumerable<GptOption> options, GptConfig a) =>
        string.Join(", ", options.Select(o => o.Assignment(a)));
}

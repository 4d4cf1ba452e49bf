namespace TinyGpt.Runtime.Tests;

// Models the generator builds inside this test project; GeneratedModelTests exercises them.

[Gpt(Layers = 2, Heads = 2, Embd = 16, BlockSize = 8, VocabSize = 11)]
public partial class SmallGpt;

[Gpt(Layers = 2, Heads = 2, Embd = 16, BlockSize = 8, VocabSize = 11, Bias = true, TieWeights = false)]
public partial class SmallBiasedUntiedGpt;

[Gpt(Layers = 2, Heads = 2, Embd = 16, BlockSize = 8, VocabSize = 11, Dropout = 0.5)]
public partial class SmallDropoutGpt;

/// <summary>The walkthrough's baby config: large enough for initialization statistics.</summary>
[Gpt(Layers = 4, Heads = 4, Embd = 128, BlockSize = 64)]
public partial class BabyGpt;

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

// A dropout too small to ever fire (about 1 in 10⁹): training takes the explicit attention path, which
// must then agree with the fused kernel that eval mode uses.
[Gpt(Layers = 2, Heads = 2, Embd = 32, BlockSize = 16, VocabSize = 13, Dropout = 1e-9)]
public partial class NearlyNoDropoutGpt;

[Gpt(Layers = 2, Heads = 2, Embd = 32, BlockSize = 16, VocabSize = 13, Dropout = 1e-9, Precision = Precision.BFloat16)]
public partial class NearlyNoDropoutBf16Gpt;

/// <summary>About 5.2 trillion parameters (18.8 TiB of float32 weights): its constructor must refuse before allocating.</summary>
[Gpt(Layers = 100, Heads = 64, Embd = 65536, BlockSize = 8)]
public partial class EnormousGpt;

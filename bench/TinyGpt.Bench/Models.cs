using TinyGpt;

namespace TinyGpt.Bench;

// The benchmark's models: the walkthrough's baby config and nanoGPT's config/train_shakespeare_char.py,
// each in float32 and with bfloat16 compute. Same parameter names, so weights move between them.

[Gpt(Layers = 4, Heads = 4, Embd = 128, BlockSize = 64)]
public partial class BabyGpt;

[Gpt(Layers = 4, Heads = 4, Embd = 128, BlockSize = 64, Precision = Precision.BFloat16)]
public partial class BabyBf16Gpt;

[Gpt(Layers = 6, Heads = 6, Embd = 384, BlockSize = 256, Dropout = 0.2)]
public partial class ShakespeareGpt;

[Gpt(Layers = 6, Heads = 6, Embd = 384, BlockSize = 256, Dropout = 0.2, Precision = Precision.BFloat16)]
public partial class ShakespeareBf16Gpt;

namespace TinyGpt.Runtime.Tests;

// Models for the KV-cache and precision tests. A context of 8 tokens lets a short test run past BlockSize.

[Gpt(Layers = 2, Heads = 2, Embd = 16, BlockSize = 8, VocabSize = 11)]
public partial class CacheGpt;

[Gpt(Layers = 2, Heads = 2, Embd = 16, BlockSize = 8, VocabSize = 11, Precision = Precision.BFloat16)]
public partial class CacheBf16Gpt;

[Gpt(Layers = 2, Heads = 2, Embd = 32, BlockSize = 16, VocabSize = 13)]
public partial class PrecisionFp32Gpt;

[Gpt(Layers = 2, Heads = 2, Embd = 32, BlockSize = 16, VocabSize = 13, Precision = Precision.BFloat16)]
public partial class PrecisionBf16Gpt;

namespace TinyGpt.App.Models;

/// <summary>The walkthrough's small GPT: trains on two CPU cores in about two minutes.</summary>
[Gpt(Layers = 4, Heads = 4, Embd = 128, BlockSize = 64)]
public partial class BabyGpt;

/// <summary>nanoGPT's <c>shakespeare_char</c> configuration, meant for a GPU.</summary>
[Gpt(Layers = 6, Heads = 6, Embd = 384, BlockSize = 256, Dropout = 0.2)]
public partial class ShakespeareGpt;

#:project ../src/TinyGpt.Runtime
using TinyGpt;
using var model = new WalkthroughGpt(seed: 1337);
Console.WriteLine($"{WalkthroughGpt.ParameterCount} params");

[Gpt(Layers = 2, Heads = 4, Embd = 64, BlockSize = 32)]
public partial class WalkthroughGpt;

using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt.Interop.Tests;

/// <summary>
/// A stand-in with exactly nanoGPT's parameters (names, shapes, tying), so that the weight IO is
/// tested on any architecture, independently of the generator; no forward pass.
/// </summary>
sealed class LayoutModel : LanguageModel
{
    readonly GptConfig config;

    public LayoutModel(GptConfig config, int seed = 0) : base("LayoutModel")
    {
        this.config = config;
        var generator = new Generator((ulong)seed);
        var nodes = new Dictionary<string, nn.Module> { [""] = this };
        TorchSharp.Modules.Parameter? embedding = null;
        foreach (var (name, shape) in Interop.NanoGptLayout.For(config))
        {
            var cut = name.LastIndexOf('.');
            var owner = Node(nodes, name[..cut]);
            // Like the reference's weights: std 0.02, LayerNorm weights near 1, every tensor distinct.
            var isNormWeight = shape.Length == 1 && name.EndsWith(".weight", StringComparison.Ordinal);
            var parameter = name == Interop.NanoGptLayout.LmHead && config.TieWeights
                ? embedding!
                : new TorchSharp.Modules.Parameter(isNormWeight
                    ? 1 + 0.1 * randn(shape, generator: generator)
                    : 0.02 * randn(shape, generator: generator));
            if (name == Interop.NanoGptLayout.TokenEmbedding) embedding = parameter;
            owner.register_parameter(name[(cut + 1)..], parameter);
        }
    }

    public override GptConfig Config => config;

    public override Tensor forward(Tensor idx) => throw new NotSupportedException("LayoutModel only holds weights");

    static nn.Module Node(Dictionary<string, nn.Module> nodes, string path)
    {
        if (nodes.TryGetValue(path, out var node)) return node;
        var cut = path.LastIndexOf('.');
        var parent = Node(nodes, cut < 0 ? "" : path[..cut]);
        node = new Holder();
        parent.register_module(path[(cut + 1)..], node);
        nodes[path] = node;
        return node;
    }

    sealed class Holder() : nn.Module("Holder");
}

using TorchSharp;
using static TorchSharp.torch;

namespace TinyGpt.Interop.Tests;

/// <summary>
/// A stand-in with exactly nanoGPT's parameters (names, shapes, tying), so that the weight IO is
/// tested on any architecture without the generated models. Its forward is nanoGPT's, written
/// functionally over the named weights (eval mode: no dropout); it proves the parity harness
/// itself, independently of the generator.
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

    public override Tensor forward(Tensor idx)
    {
        using var scope = NewDisposeScope();
        var w = state_dict();
        Tensor? W(string name) => w.GetValueOrDefault(name);
        Tensor Norm(Tensor x, string prefix) => nn.functional.layer_norm(x, [config.Embd], W(prefix + ".weight"), W(prefix + ".bias"), 1e-5);
        Tensor Linear(Tensor x, string prefix) => nn.functional.linear(x, W(prefix + ".weight")!, W(prefix + ".bias"));
        long b = idx.shape[0], t = idx.shape[1], c = config.Embd, nh = config.Heads;
        var x = W(Interop.NanoGptLayout.TokenEmbedding)![idx] + W("transformer.wpe.weight")![..(int)t];   // [B, T, C]
        for (var i = 0; i < config.Layers; i++)
        {
            var h = $"transformer.h.{i}";
            var qkv = Linear(Norm(x, $"{h}.ln_1"), $"{h}.attn.c_attn").split(c, dim: 2);                 // 3 x [B, T, C]
            var (q, k, v) = (Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]));                            // [B, nh, T, hs]
            var y = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true);             // [B, nh, T, hs]
            x = x + Linear(y.transpose(1, 2).contiguous().view(b, t, c), $"{h}.attn.c_proj");
            x = x + Linear(nn.functional.gelu(Linear(Norm(x, $"{h}.ln_2"), $"{h}.mlp.c_fc")), $"{h}.mlp.c_proj");
        }
        return Linear(Norm(x, "transformer.ln_f"), "lm_head").MoveToOuterDisposeScope();              // [B, T, V]

        Tensor Heads(Tensor z) => z.view(b, t, nh, c / nh).transpose(1, 2);
    }

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

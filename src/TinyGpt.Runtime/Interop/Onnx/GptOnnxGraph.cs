using Onnx;
using TorchSharp;
using static TinyGpt.Interop.OnnxGraph;
using DataType = Onnx.TensorProto.Types.DataType;

namespace TinyGpt.Interop;

/// <summary>
/// nanoGPT's forward pass as an ONNX graph, written component by component (embedding, norm, attention, MLP,
/// head) from the config and the state dict read by nanoGPT's names. With <c>cached</c> each block's attention
/// also reads the keys and values of earlier positions and returns them extended (<see cref="OnnxNames"/>);
/// without it the graph is <c>idx → logits</c> and the past is empty. Inference only: dropout is the identity.
/// </summary>
internal sealed class GptOnnxGraph
{
    private const float LayerNormEpsilon = 1e-5f;                       // nanoGPT's LayerNorm (and torch's default)

    private readonly OnnxGraph g;
    private readonly GptConfig c;
    private readonly IReadOnlyDictionary<string, torch.Tensor> state;
    private readonly bool cached;
    private readonly List<(string Value, string Name)> presents = [];      // the cached graph's extended keys and values

    private GptOnnxGraph(GptConfig config, IReadOnlyDictionary<string, torch.Tensor> state, bool cached)
    {
        c = config;
        this.state = state;
        this.cached = cached;
        g = new OnnxGraph(cached ? "tinygpt_kv_cache" : "tinygpt");
    }

    /// <summary>The graph of <paramref name="config"/> with the weights of <paramref name="state"/> (nanoGPT's names and shapes).</summary>
    public static OnnxGraph Build(GptConfig config, IReadOnlyDictionary<string, torch.Tensor> state, bool cached)
    {
        var graph = new GptOnnxGraph(config, state, cached);
        if (config.IsBigram)
            graph.Bigram();
        else
            graph.Gpt();
        return graph.g;
    }

    /// <summary>The walkthrough's baseline: each token's row of the table is the next token's logits.</summary>
    private void Bigram()
    {
        var idx = g.Input(OnnxNames.Input, DataType.Int64, OnnxNames.Batch, OnnxNames.Time);
        var logits = g.Op("Gather", "logits", [Weight("token_embedding_table.weight"), idx]);   // [B, T, V]
        g.Output(logits, OnnxNames.Logits, DataType.Float, OnnxNames.Batch, OnnxNames.Time, c.VocabSize);
    }

    private void Gpt()
    {
        var idx = g.Input(OnnxNames.Input, DataType.Int64, OnnxNames.Batch, OnnxNames.Time);  // [B, T]
        var past = new (string Key, string Value)[c.Layers];
        for (var i = 0; i < c.Layers && cached; i++)
            past[i] = (PastInput(OnnxNames.PastKey(i)), PastInput(OnnxNames.PastValue(i)));

        // Positions past … past + T − 1, and which of the past + T keys each new query may see.
        var time = g.Op("Shape", "T", [idx], Attr("start", 1L), Attr("end", 2L));            // [1]
        var pastLength = cached
            ? g.Op("Shape", "past_T", [past[0].Key], Attr("start", 2L), Attr("end", 3L))     // [1]
            : g.Int64s(0);
        var total = g.Op("Add", "total_T", [pastLength, time]);                              // [1]
        var positions = g.Op("Range", "positions",
            [g.Op("Squeeze", "start", [pastLength]), g.Op("Squeeze", "limit", [total]), g.Int64Scalar(1)]); // [T]
        var mask = CausalMask(pastLength, total);                                            // [T, past + T]

        var x = Embedding(idx, positions);                                                   // [B, T, C]
        for (var i = 0; i < c.Layers; i++)
        {
            var h = $"transformer.h.{i}";
            var attended = Attention(Norm(x, $"{h}.ln_1"), $"{h}.attn", mask, i, cached ? past[i] : null);
            x = g.Op("Add", $"h{i}.residual_attn", [x, attended]);                            // [B, T, C]
            x = g.Op("Add", $"h{i}.residual_mlp", [x, Mlp(Norm(x, $"{h}.ln_2"), $"{h}.mlp")]); // [B, T, C]
        }
        x = Norm(x, "transformer.ln_f");                                                     // [B, T, C]
        g.Output(Linear(x, "lm_head", hasBias: false), OnnxNames.Logits,
            DataType.Float, OnnxNames.Batch, OnnxNames.Time, c.VocabSize);                   // [B, T, V]
        foreach (var (value, name) in presents)                                             // after the logits, block by block
            g.Output(value, name, DataType.Float, OnnxNames.Batch, c.Heads, OnnxNames.TotalTime, c.HeadSize);
    }

    private string PastInput(string name) =>
        g.Input(name, DataType.Float, OnnxNames.Batch, c.Heads, OnnxNames.PastTime, c.HeadSize);

    /// <summary>Token plus position embeddings: <c>[B, T]</c> → <c>[B, T, C]</c> (nanoGPT's <c>wte(idx) + wpe(pos)</c>).</summary>
    private string Embedding(string idx, string positions)
    {
        var tokens = g.Op("Gather", "tok_emb", [Weight("transformer.wte.weight"), idx]);        // [B, T, C]
        var places = g.Op("Gather", "pos_emb", [Weight("transformer.wpe.weight"), positions]);  // [T, C]
        return g.Op("Add", "x", [tokens, places]);                                            // [B, T, C]
    }

    /// <summary>
    /// LayerNorm over C with nanoGPT's optional bias: <c>[B, T, C]</c> → <c>[B, T, C]</c>. Without one the bias is
    /// zeros rather than left out: ONNX allows leaving it out, but ONNX Runtime's SkipLayerNorm fusion (on by
    /// default) crashes the process on such a LayerNormalization after an Add.
    /// </summary>
    private string Norm(string x, string prefix) => g.Op("LayerNormalization", prefix,
        [x, Weight($"{prefix}.weight"), c.Bias ? Weight($"{prefix}.bias") : g.Zeros("zero_bias", c.Embd)],
        Attr("axis", -1L), Attr("epsilon", LayerNormEpsilon));

    /// <summary>
    /// Causal self-attention of the new positions over the past and each other: <c>[B, T, C]</c> → <c>[B, T, C]</c>.
    /// In the cached graph the extended keys and values become outputs.
    /// </summary>
    private string Attention(string x, string prefix, string mask, int layer, (string Key, string Value)? past)
    {
        var qkv = Linear(x, $"{prefix}.c_attn");                                              // [B, T, 3·C]
        var split = g.Op("Split", $"{prefix}.qkv", 3, [qkv, g.Int64s(c.Embd, c.Embd, c.Embd)], Attr("axis", 2L));
        var q = Heads(split[0], $"{prefix}.q");                                              // [B, nh, T, hs]
        var k = Heads(split[1], $"{prefix}.k");                                              // [B, nh, T, hs]
        var v = Heads(split[2], $"{prefix}.v");                                              // [B, nh, T, hs]
        if (past is { } p)
        {
            k = g.Op("Concat", $"{prefix}.present_k", [p.Key, k], Attr("axis", 2L));          // [B, nh, past + T, hs]
            v = g.Op("Concat", $"{prefix}.present_v", [p.Value, v], Attr("axis", 2L));        // [B, nh, past + T, hs]
            presents.Add((k, OnnxNames.PresentKey(layer)));
            presents.Add((v, OnnxNames.PresentValue(layer)));
        }
        var keysT = g.Op("Transpose", $"{prefix}.k_t", [k], Attr("perm", 0L, 1L, 3L, 2L));   // [B, nh, hs, past + T]
        var scores = g.Op("MatMul", $"{prefix}.scores", [q, keysT]);                         // [B, nh, T, past + T]
        scores = g.Op("Mul", $"{prefix}.scaled", [scores, g.Scalar((float)(1.0 / Math.Sqrt(c.HeadSize)))]);
        scores = g.Op("Where", $"{prefix}.masked", [mask, scores, g.Scalar(float.NegativeInfinity)]);
        var weights = g.Op("Softmax", $"{prefix}.att", [scores], Attr("axis", -1L));         // [B, nh, T, past + T]
        var y = g.Op("MatMul", $"{prefix}.y", [weights, v]);                                 // [B, nh, T, hs]
        y = g.Op("Transpose", $"{prefix}.y_t", [y], Attr("perm", 0L, 2L, 1L, 3L));           // [B, T, nh, hs]
        y = g.Op("Reshape", $"{prefix}.y_joined", [y, g.Int64s(0, 0, c.Embd)]);              // [B, T, C]
        return Linear(y, $"{prefix}.c_proj");                                                // [B, T, C]
    }

    /// <summary><c>[B, T, C]</c> → <c>[B, nh, T, hs]</c>: the heads side by side become a dimension of their own.</summary>
    private string Heads(string x, string name)
    {
        var split = g.Op("Reshape", name, [x, g.Int64s(0, 0, c.Heads, c.HeadSize)]);        // [B, T, nh, hs]
        return g.Op("Transpose", name + "_heads", [split], Attr("perm", 0L, 2L, 1L, 3L));   // [B, nh, T, hs]
    }

    /// <summary>Widen to 4·C, exact (erf) GELU, project back: <c>[B, T, C]</c> → <c>[B, T, C]</c>.</summary>
    private string Mlp(string x, string prefix)
    {
        var wide = Linear(x, $"{prefix}.c_fc");                                              // [B, T, 4·C]
        return Linear(Gelu(wide, $"{prefix}.gelu"), $"{prefix}.c_proj");                     // [B, T, C]
    }

    /// <summary>GELU without opset 20's Gelu operator: <c>0.5 · x · (1 + erf(x / √2))</c>, element-wise.</summary>
    private string Gelu(string x, string name)
    {
        var erf = g.Op("Erf", $"{name}.erf", [g.Op("Mul", $"{name}.scaled", [x, g.Scalar((float)(1.0 / Math.Sqrt(2.0)))])]);
        var gate = g.Op("Add", $"{name}.gate", [erf, g.Scalar(1f)]);
        return g.Op("Mul", name, [g.Op("Mul", $"{name}.half", [x, g.Scalar(0.5f)]), gate]);
    }

    /// <summary>
    /// <c>x · Wᵀ + b</c>: <c>[..., in]</c> → <c>[..., out]</c>. The weight is stored transposed, <c>[in, out]</c>, as
    /// MatMul takes it, under its nanoGPT name.
    /// </summary>
    private string Linear(string x, string prefix, bool? hasBias = null)
    {
        var y = g.Op("MatMul", prefix, [x, Weight($"{prefix}.weight", transpose: true)]);
        return hasBias ?? c.Bias ? g.Op("Add", $"{prefix}.biased", [y, Weight($"{prefix}.bias")]) : y;
    }

    /// <summary>
    /// Rows <c>past … past + T − 1</c> and columns <c>0 … past + T − 1</c> of a lower-triangular BlockSize ×
    /// BlockSize table: query <c>i</c> sees key <c>j</c> when <c>j ≤ i</c> (positions counted from the start).
    /// </summary>
    private string CausalMask(string pastLength, string total)
    {
        int n = c.BlockSize;
        var table = new bool[n * n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j <= i; j++)
                table[i * n + j] = true;
        var full = g.Bools("causal_mask", table, n, n);                                     // [BlockSize, BlockSize]
        var starts = g.Op("Concat", "mask_starts", [pastLength, g.Int64s(0)], Attr("axis", 0L));
        var ends = g.Op("Concat", "mask_ends", [total, total], Attr("axis", 0L));
        return g.Op("Slice", "mask", [full, starts, ends, g.Int64s(0, 1)]);                  // [T, past + T]
    }

    /// <summary>A float32 tensor of the state dict as a graph weight (once per name and orientation).</summary>
    private string Weight(string name, bool transpose = false)
    {
        var stored = transpose ? name + ".T" : name;
        if (g.Graph.Initializer.Any(t => t.Name == stored))
            return stored;
        if (!state.TryGetValue(name, out var tensor))
            throw new InvalidOperationException($"the state dict has no '{name}', which the ONNX graph needs");
        using var scope = torch.NewDisposeScope();
        var values = (transpose ? tensor.t() : tensor).to(torch.float32).cpu().contiguous();
        return g.Weight(stored, values.data<float>().ToArray(), values.shape);
    }
}

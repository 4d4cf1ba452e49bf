using Onnx;
using TorchSharp;
using static TinyGpt.Interop.OnnxGraph;
using DataType = Onnx.TensorProto.Types.DataType;

namespace TinyGpt.Interop;

/// <summary>
/// A <c>[Gpt]</c> model's forward pass as an ONNX graph, written component by component (embedding, norm,
/// attention, MLP, head) from the config and the state dict read by nanoGPT's names, computing what the generated
/// code computes for every architecture option: LayerNorm or RMSNorm with or without weights, learned or rotary
/// positions, grouped-query attention, QK-norm, the embedding norm, GELU/ReLU/relu²/SwiGLU, the biases and the
/// logit softcap. With <c>cached</c> each block's attention also reads the keys and values of earlier positions
/// and returns them extended (<see cref="OnnxNames"/>); without it the graph is <c>idx → logits</c> and the past
/// is empty. Inference only: dropout is the identity.
/// </summary>
internal sealed class GptOnnxGraph
{
    private const float LayerNormEpsilon = 1e-5f;                       // nanoGPT's LayerNorm (and torch's default)
    private const float RmsNormEpsilon = (float)TinyGpt.RmsNorm.Epsilon;        // F.rms_norm's default: float32's machine epsilon

    private readonly OnnxGraph g;
    private readonly GptConfig c;
    private readonly IReadOnlyDictionary<string, torch.Tensor> state;
    private readonly bool cached;
    private readonly List<(string Value, string Name)> presents = [];      // the cached graph's extended keys and values
    private (string Cos, string Sin)? rotary;                               // this call's positions' angles, [T, hs/2] each

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

        if (c.Positions == Positions.Rotary)
            rotary = RotaryAngles(positions);                                                // [T, hs/2] each

        var x = Embedding(idx, positions);                                                   // [B, T, C]
        for (var i = 0; i < c.Layers; i++)
        {
            var h = $"transformer.h.{i}";
            var attended = Attention(Norm(x, $"{h}.ln_1", c.Embd), $"{h}.attn", mask, i, cached ? past[i] : null);
            x = g.Op("Add", $"h{i}.residual_attn", [x, attended]);                            // [B, T, C]
            x = g.Op("Add", $"h{i}.residual_mlp", [x, Mlp(Norm(x, $"{h}.ln_2", c.Embd), $"{h}.mlp")]); // [B, T, C]
        }
        x = Norm(x, "transformer.ln_f", c.Embd);                                             // [B, T, C]
        var logits = Linear(x, "lm_head", hasBias: c.LmHeadBias);                            // [B, T, V]
        if (c.LogitSoftcap > 0)
            logits = Softcap(logits, (float)c.LogitSoftcap);                                 // [B, T, V] within (−c, c)
        g.Output(logits, OnnxNames.Logits, DataType.Float, OnnxNames.Batch, OnnxNames.Time, c.VocabSize);
        foreach (var (value, name) in presents)                                             // after the logits, block by block
            g.Output(value, name, DataType.Float, OnnxNames.Batch, c.KvHeads, OnnxNames.TotalTime, c.HeadSize);
    }

    /// <summary>A block's cached keys or values: <c>[B, nkv, past, hs]</c> (the key/value heads, fewer than nh with GQA).</summary>
    private string PastInput(string name) =>
        g.Input(name, DataType.Float, OnnxNames.Batch, c.KvHeads, OnnxNames.PastTime, c.HeadSize);

    /// <summary>
    /// Token embeddings, plus the position embeddings when they are learned (nanoGPT's <c>wte(idx) + wpe(pos)</c>;
    /// rotary positions enter in the attention), then the embedding norm when the model has one (nanochat's
    /// <c>norm(wte(idx))</c>): <c>[B, T]</c> → <c>[B, T, C]</c>.
    /// </summary>
    private string Embedding(string idx, string positions)
    {
        var x = g.Op("Gather", "tok_emb", [Weight("transformer.wte.weight"), idx]);             // [B, T, C]
        if (c.Positions == Positions.Learned)
        {
            var places = g.Op("Gather", "pos_emb", [Weight("transformer.wpe.weight"), positions]); // [T, C]
            x = g.Op("Add", "x", [x, places]);                                                // [B, T, C]
        }
        return c.EmbeddingNorm ? Norm(x, "transformer.ln_emb", c.Embd) : x;                   // [B, T, C]
    }

    /// <summary>The model's norm over the last dimension (<paramref name="width"/>): <c>[..., width]</c> → <c>[..., width]</c>.</summary>
    private string Norm(string x, string prefix, int width) =>
        c.Norm == TinyGpt.Norm.RmsNorm ? RmsNorm(x, prefix, width) : LayerNorm(x, prefix, width);

    /// <summary>
    /// LayerNorm (eps 1e-5) with the weight and nanoGPT's optional bias when the norms have parameters. A missing
    /// bias is zeros (and a missing weight ones) rather than left out: ONNX allows leaving the bias out, but
    /// ONNX Runtime's SkipLayerNorm fusion (on by default) crashes the process on such a LayerNormalization after an Add.
    /// </summary>
    private string LayerNorm(string x, string prefix, int width)
    {
        var scale = c.NormWeights ? Weight($"{prefix}.weight") : g.Ones("unit_scale", width);
        var shift = c.NormWeights && c.Bias ? Weight($"{prefix}.bias") : g.Zeros("zero_bias", width);
        return g.Op("LayerNormalization", prefix, [x, scale, shift], Attr("axis", -1L), Attr("epsilon", LayerNormEpsilon));
    }

    /// <summary>
    /// RMSNorm as TinyGpt's <see cref="TinyGpt.RmsNorm"/> computes it, <c>x · rsqrt(mean(x²) + eps)</c>, times the
    /// weight when the norms have one (opset 17 has no RMSNormalization; 23 brings it).
    /// </summary>
    private string RmsNorm(string x, string prefix, int width)
    {
        var square = g.Op("Mul", $"{prefix}.square", [x, x]);                                // [..., width]
        var meanSquare = g.Op("ReduceMean", $"{prefix}.mean_square", [square],
            Attr("axes", new[] { -1L }), Attr("keepdims", 1L));                                    // [..., 1]
        var root = g.Op("Sqrt", $"{prefix}.rms", [g.Op("Add", $"{prefix}.eps", [meanSquare, g.Scalar(RmsNormEpsilon)])]);
        var scale = g.Op("Reciprocal", $"{prefix}.rsqrt", [root]);                            // [..., 1]
        var y = g.Op("Mul", prefix, [x, scale]);                                             // [..., width]
        return c.NormWeights ? g.Op("Mul", $"{prefix}.weighted", [y, Weight($"{prefix}.weight")]) : y;
    }

    /// <summary>
    /// Causal self-attention of the new positions over the past and each other: <c>[B, T, C]</c> → <c>[B, T, C]</c>,
    /// in the generated code's order: project, split into heads, rotate q and k (rotary), QK-norm, then (cached
    /// graph) extend the past keys and values, which become outputs, then repeat each key/value head for the
    /// query heads that read it (GQA) and attend.
    /// </summary>
    private string Attention(string x, string prefix, string mask, int layer, (string Key, string Value)? past)
    {
        int kvWidth = c.KvHeads * c.HeadSize;
        var qkv = Linear(x, $"{prefix}.c_attn", hasBias: c.QkvBias);                         // [B, T, (nh + 2·nkv)·hs]
        var split = g.Op("Split", $"{prefix}.qkv", 3, [qkv, g.Int64s(c.Embd, kvWidth, kvWidth)], Attr("axis", 2L));
        var q = Heads(split[0], $"{prefix}.q", c.Heads);                                     // [B, nh, T, hs]
        var k = Heads(split[1], $"{prefix}.k", c.KvHeads);                                   // [B, nkv, T, hs]
        var v = Heads(split[2], $"{prefix}.v", c.KvHeads);                                   // [B, nkv, T, hs]
        if (rotary is { } angles)
        {
            q = Rotate(q, angles.Cos, angles.Sin, $"{prefix}.q_rot");                        // [B, nh, T, hs]
            k = Rotate(k, angles.Cos, angles.Sin, $"{prefix}.k_rot");                        // [B, nkv, T, hs]
        }
        if (c.QkNorm)
        {
            q = Norm(q, $"{prefix}.q_norm", c.HeadSize);                                     // [B, nh, T, hs]
            k = Norm(k, $"{prefix}.k_norm", c.HeadSize);                                     // [B, nkv, T, hs]
        }
        if (past is { } p)
        {
            k = g.Op("Concat", $"{prefix}.present_k", [p.Key, k], Attr("axis", 2L));          // [B, nkv, past + T, hs]
            v = g.Op("Concat", $"{prefix}.present_v", [p.Value, v], Attr("axis", 2L));        // [B, nkv, past + T, hs]
            presents.Add((k, OnnxNames.PresentKey(layer)));
            presents.Add((v, OnnxNames.PresentValue(layer)));
        }
        k = RepeatKv(k, $"{prefix}.k_repeated");                                             // [B, nh, past + T, hs]
        v = RepeatKv(v, $"{prefix}.v_repeated");                                             // [B, nh, past + T, hs]
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

    /// <summary><c>[B, T, n·hs]</c> → <c>[B, n, T, hs]</c>: the <paramref name="heads"/> side by side become a dimension of their own.</summary>
    private string Heads(string x, string name, int heads)
    {
        var split = g.Op("Reshape", name, [x, g.Int64s(0, 0, heads, c.HeadSize)]);          // [B, T, n, hs]
        return g.Op("Transpose", name + "_heads", [split], Attr("perm", 0L, 2L, 1L, 3L));   // [B, n, T, hs]
    }

    /// <summary>
    /// Grouped-query attention's <c>repeat_interleave</c> over heads: <c>[B, nkv, S, hs]</c> → <c>[B, nh, S, hs]</c>,
    /// each key/value head repeated Heads / KvHeads times in place, so query head h reads kv head h / (nh / nkv).
    /// The identity without grouping.
    /// </summary>
    private string RepeatKv(string x, string name)
    {
        var groups = c.Heads / c.KvHeads;
        if (groups == 1)
            return x;
        var lifted = g.Op("Unsqueeze", $"{name}.lifted", [x, g.Int64s(2)]);                 // [B, nkv, 1, S, hs]
        var copies = g.Op("Expand", $"{name}.copies", [lifted, g.Int64s(1, 1, groups, 1, 1)]); // [B, nkv, g, S, hs]
        return g.Op("Reshape", name, [copies, g.Int64s(0, c.Heads, -1, c.HeadSize)]);       // [B, nh, S, hs]
    }

    /// <summary>
    /// The cosines and sines of this call's positions, <c>[T, hs/2]</c> each, gathered from TinyGpt's own
    /// <see cref="RotaryEmbedding"/> tables (BlockSize rows), so the angles are the ones the model turns by.
    /// </summary>
    private (string Cos, string Sin) RotaryAngles(string positions)
    {
        using var scope = torch.NewDisposeScope();
        var table = new RotaryEmbedding(c.HeadSize, c.BlockSize, c.RopeBase);
        var (cos, sin) = table.At(0, c.BlockSize, torch.CPU);
        string Rows(torch.Tensor angles, string name)
        {
            var all = g.Weight($"rotary.{name}", angles.contiguous().data<float>().ToArray(), angles.shape); // [BlockSize, hs/2]
            return g.Op("Gather", $"rotary.{name}_at", [all, positions]);                    // [T, hs/2]
        }
        return (Rows(cos, "cos"), Rows(sin, "sin"));
    }

    /// <summary>
    /// nanochat's <c>apply_rotary_emb</c>: the halves x₁ = x[..., :hs/2], x₂ = x[..., hs/2:] become
    /// y₁ = x₁·cos + x₂·sin and y₂ = x₂·cos − x₁·sin (the generated code's <c>x₁·(−sin) + x₂·cos</c>, the same
    /// floats). <c>[B, n, T, hs]</c> → <c>[B, n, T, hs]</c>.
    /// </summary>
    private string Rotate(string x, string cos, string sin, string name)
    {
        var half = c.HeadSize / 2;
        var halves = g.Op("Split", $"{name}.halves", 2, [x, g.Int64s(half, half)], Attr("axis", 3L)); // 2 × [B, n, T, hs/2]
        string Times(int part, string by, string label) => g.Op("Mul", $"{name}.{label}", [halves[part], by]);
        var y1 = g.Op("Add", $"{name}.y1", [Times(0, cos, "x1_cos"), Times(1, sin, "x2_sin")]);     // [B, n, T, hs/2]
        var y2 = g.Op("Sub", $"{name}.y2", [Times(1, cos, "x2_cos"), Times(0, sin, "x1_sin")]);     // [B, n, T, hs/2]
        return g.Op("Concat", name, [y1, y2], Attr("axis", 3L));                              // [B, n, T, hs]
    }

    /// <summary>
    /// Widen, the model's activation, project back: <c>[B, T, C]</c> → <c>[B, T, C]</c>. SwiGLU gates by a second
    /// projection of the block input, <c>silu(x·W₁) · (x·W₃)</c> with W₁ = <c>c_fc</c>, W₃ = <c>c_up</c>.
    /// </summary>
    private string Mlp(string x, string prefix)
    {
        var wide = Linear(x, $"{prefix}.c_fc");                                              // [B, T, hidden]
        var activated = c.Activation switch
        {
            Activation.Gelu => Gelu(wide, $"{prefix}.gelu"),
            Activation.Relu => g.Op("Relu", $"{prefix}.relu", [wide]),
            Activation.ReluSquared => Square(g.Op("Relu", $"{prefix}.relu", [wide]), $"{prefix}.relu_squared"),
            Activation.SwiGlu => g.Op("Mul", $"{prefix}.gated", [Silu(wide, $"{prefix}.silu"), Linear(x, $"{prefix}.c_up")]),
            _ => throw new NotSupportedException($"Activation {c.Activation} has no ONNX form"),   // EnsureExportable refuses it first
        };                                                                                   // [B, T, hidden]
        return Linear(activated, $"{prefix}.c_proj");                                        // [B, T, C]
    }

    /// <summary>GELU without opset 20's Gelu operator: <c>0.5 · x · (1 + erf(x / √2))</c>, element-wise.</summary>
    private string Gelu(string x, string name)
    {
        var erf = g.Op("Erf", $"{name}.erf", [g.Op("Mul", $"{name}.scaled", [x, g.Scalar((float)(1.0 / Math.Sqrt(2.0)))])]);
        var gate = g.Op("Add", $"{name}.gate", [erf, g.Scalar(1f)]);
        return g.Op("Mul", name, [g.Op("Mul", $"{name}.half", [x, g.Scalar(0.5f)]), gate]);
    }

    /// <summary>SiLU without a Silu operator (ONNX has none): <c>x · sigmoid(x)</c>, element-wise.</summary>
    private string Silu(string x, string name) => g.Op("Mul", name, [x, g.Op("Sigmoid", $"{name}.sigmoid", [x])]);

    /// <summary><c>x²</c>, element-wise.</summary>
    private string Square(string x, string name) => g.Op("Mul", name, [x, x]);

    /// <summary>nanochat's softcap, <c>c · tanh(logits / c)</c>: <c>[B, T, V]</c> → <c>[B, T, V]</c> within (−c, c).</summary>
    private string Softcap(string logits, float cap)
    {
        var squashed = g.Op("Tanh", "softcap.tanh", [g.Op("Div", "softcap.scaled", [logits, g.Scalar(cap)])]);
        return g.Op("Mul", "softcap", [squashed, g.Scalar(cap)]);
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

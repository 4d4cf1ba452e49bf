namespace TinyGpt.Generators;

// The parts of the emitted model that serve speed rather than nanoGPT parity: the compute precision
// (bfloat16 matmuls on casts of float32 weights, chosen at run time) and the KV-cache forward pass used for sampling.
public sealed partial class GptGenerator
{
    private const string ScalarType = "global::TorchSharp.torch.ScalarType";

    private static bool IsBFloat16(GptModel m) => m.Precision == ComputePrecision.BFloat16;

    private const string MixedPrecision = "global::TinyGpt.MixedPrecision";

    /// <summary>
    /// A Linear layer applied to <paramref name="input"/> in the compute dtype the model runs in now: the
    /// precision is a run-time choice (<c>LanguageModel.ComputePrecision</c>), so no call hard-wires it. The
    /// call goes through the submodule's <c>Linear</c> (<see cref="WriteLinearInComputeDtype"/>), which keeps
    /// forward lines short.
    /// </summary>
    private static string Linear(GptModel m, string layer, string input) => $"Linear({layer}, {input})";

    /// <summary>The submodule's <c>Linear(layer, x)</c>: <c>MixedPrecision.Linear</c> in its <c>ComputeDtype</c>.</summary>
    private static void WriteLinearInComputeDtype(CodeWriter w)
    {
        w.Line();
        w.Summary("<paramref name=\"layer\"/> on <paramref name=\"x\"/> with its matmul in <c>ComputeDtype</c>.");
        w.Arrow($"private {Tensor} Linear", $"{Layers}.Linear layer, {Tensor} x", $"{MixedPrecision}.Linear(layer, x, ComputeDtype)");
    }

    /// <summary>A shape comment, naming the dtype when it is not float32, then an optional note.</summary>
    private static string Typed(GptModel m, string shape, string? note = null) =>
        (IsBFloat16(m), note) switch
        {
            (true, null) => shape + " bfloat16",
            (true, _) => $"{shape} bfloat16, {note}",
            (false, null) => shape,
            (false, _) => $"{shape} {note}",
        };

    private static void WritePrecisionConstants(CodeWriter w, GptModel m)
    {
        var precision = m.Precision.ToString();
        w.Summary([
            IsBFloat16(m)
                ? "The default compute precision: every Linear (and attention while training) in bfloat16 on casts of the"
                : "The default compute precision: everything in float32, as nanoGPT on a CPU. <c>ComputePrecision</c>",
            IsBFloat16(m)
                ? "float32 weights; the rest in float32. <c>ComputePrecision</c> changes it at run time."
                : "changes it at run time."]);
        w.Line($"public const global::TinyGpt.Precision Precision = global::TinyGpt.Precision.{precision};");
        w.Line();
        w.Summary($"The dtype of the Linear layers' matmuls by default: {(IsBFloat16(m) ? "bfloat16" : "float32")} (now: <c>ComputeDtype</c>).");
        w.Line($"public const {ScalarType} ComputeType = {ScalarType}.{(IsBFloat16(m) ? "BFloat16" : "Float32")};");
        w.Line();
        w.Line("/// <inheritdoc />");
        using (w.Block($"protected override void OnComputePrecisionChanged({ScalarType} dtype)"))
        using (w.Block("foreach (var block in transformer.h)"))
        {
            w.Line("block.attn.ComputeDtype = dtype;");
            w.Line("block.mlp.ComputeDtype = dtype;");
        }
        w.Line();
    }

    /// <summary>The compute dtype a submodule with Linear layers runs them in; the model sets it.</summary>
    private static void WriteSubmoduleComputeDtype(CodeWriter w)
    {
        w.Summary("The dtype of this module's matmuls; set the model's <c>ComputePrecision</c> to change it.");
        w.Line($"public {ScalarType} ComputeDtype {{ get; internal set; }} = ComputeType;");
        w.Line();
    }

    /// <summary>
    /// Opens a dispose scope over a training forward pass: every tensor handle the method creates is released
    /// when it returns, so what autograd does not keep for backward (branch outputs, dropout inputs, casts)
    /// is freed at once instead of at the end of the step. This is what keeps peak memory down.
    /// </summary>
    private static void WriteScopeOpen(CodeWriter w) =>
        w.Line("using var scope = global::TorchSharp.torch.NewDisposeScope();", "intermediates freed on return");

    private static void WriteScopedReturn(CodeWriter w, string result) =>
        w.Line($"return {result}.MoveToOuterDisposeScope();", "the result outlives the scope");

    /// <summary>The LM head on <paramref name="input"/> into <c>logits</c>, float32 either way.</summary>
    private static void WriteLmHead(CodeWriter w, GptModel m, string input, string shape = "[B, T, V]")
    {
        w.Line($"var logits = {MixedPrecision}.Logits(lm_head, {input}, ComputeDtype);", shape + " float32");
    }

    /// <summary>The fused QKV projection split into heads; shared by the full and the cached attention.</summary>
    private static void WriteQueryKeyValue(CodeWriter w, GptModel m)
    {
        var grouped = m.Arch.Grouped(m.Heads);
        if (grouped)
        {
            w.Line($"var qkv = {Linear(m, "c_attn", "x")}", Typed(m, "[B, T, (nh + 2·nkv)·hs]"));
            w.Line("    .split([Embd, KvHeads * HeadSize, KvHeads * HeadSize], dim: 2);", Typed(m, "[B, T, C], 2 × [B, T, nkv·hs]"));
        }
        else
            w.Line($"var qkv = {Linear(m, "c_attn", "x")}.split(Embd, dim: 2);", Typed(m, "3 × [B, T, C]"));
        // q, k, v stay in the compute dtype for the explicit attention of training; the fused kernel (eval
        // mode) and the KV cache (which holds float32) take float32, since libtorch's fused CPU attention is
        // slower in bfloat16 (bench/RESULTS.md, --layouts).
        var kvHeads = grouped ? "KvHeads" : "Heads";
        w.Line($"var q = qkv[0].view(B, T, Heads, HeadSize).transpose(1, 2);", Typed(m, "[B, nh, T, hs]"));
        w.Line($"var k = qkv[1].view(B, T, {kvHeads}, HeadSize).transpose(1, 2);", Typed(m, $"[B, {KvLabel(m)}, T, hs]"));
        w.Line($"var v = qkv[2].view(B, T, {kvHeads}, HeadSize).transpose(1, 2);", Typed(m, $"[B, {KvLabel(m)}, T, hs]"));
    }

    /// <summary>
    /// The second source of a model: its KV-cache inference path, <c>forward(idx, cache)</c> and the cached
    /// forwards of the blocks and the attention, in partial declarations of the classes of <see cref="Emit"/>,
    /// with <c>CreateCache</c> and the <c>KvCache</c> type. Sampling uses it; training never does.
    /// </summary>
    internal static string EmitKvCache(GptModel model)
    {
        var w = new CodeWriter();
        var name = model.ClassName;
        w.Line("// <auto-generated/>");
        w.Line($"// Written by the TinyGpt source generator for the [Gpt] class {name}: its KV-cache");
        w.Line("// inference path, forward(idx, cache) of the model, the blocks and the attention. The model, its");
        w.Line("// training forward passes and the shape legend are in");
        w.Line($"// {HintName(model)}.");
        w.Line("// Change the attribute, not this file.");
        WriteInPlace(w, model, () =>
        {
            using (w.Block($"partial class {Escape(name)} : global::TinyGpt.ICachedLanguageModel"))
            {
                WriteCachedForward(w, model);
                WriteKvCache(w, model);
                using (w.Block("partial class Block"))
                    WriteCachedBlockForward(w);
                w.Line();
                using (w.Block("partial class CausalSelfAttention"))
                    WriteCachedAttentionForward(w, model);
            }
        });
        return w.ToString();
    }

    private static void WriteCachedForward(CodeWriter w, GptModel m)
    {
        w.Summary([
            "Inference with a KV cache: feeds only the new tokens <c>idx</c> <c>[B, T]</c>, which take positions",
            "<c>cache.Length</c> … <c>cache.Length + T − 1</c>, and returns the float32 logits of the last one,",
            $"<c>[B, {m.VocabSize}]</c>: the LM head runs on that position alone. Gives what <c>forward(context)[:, -1]</c>",
            "gives for the whole context, up to float rounding. No gradients and no dropout."], [
            "A context longer than BlockSize does not fit: like nanoGPT's <c>generate</c>, crop it to the last",
            "BlockSize tokens, clear the cache and feed the window again (<c>global::TinyGpt.CachedDecoder</c> does)."]);
        w.Exception("global::System.ArgumentException",
            "idx is not int64 <c>[B, T]</c> with B = <c>cache.BatchSize</c> and 1 ≤ T ≤ BlockSize − <c>cache.Length</c>.");
        using (w.Method($"public {Tensor} forward", $"{Tensor} idx, KvCache cache"))
        {
            w.Line("var room = BlockSize - cache.Length;", "positions left in the context window");
            w.Line("global::TinyGpt.InputGuard.CachedTokens(idx, cache, room, Where);", "int64 [cache.BatchSize, T], T ≤ room");
            w.Line("using var noGrad = global::TorchSharp.torch.no_grad();", "inference: no autograd graph");
            w.Line("long B = idx.shape[0], T = idx.shape[1], past = cache.Length;", "batch, new tokens, cached positions");
            if (m.Arch.Learned)
            {
                w.Line("var pos = global::TorchSharp.torch.arange(", "[T] positions past … past+T-1");
                w.Line("    past, past + T, dtype: global::TorchSharp.torch.ScalarType.Int64,", "int64,");
                w.Line("    device: idx.device);", "on idx's device");
                w.Line("var x = transformer.wte.forward(idx) + transformer.wpe.forward(pos);", "[B, T, C] (no dropout: inference)");
            }
            else
                w.Line("var x = transformer.wte.forward(idx);", "[B, T, C] (rotary: no wpe)");
            if (m.Arch.EmbeddingNorm)
                w.Line("x = transformer.ln_emb.forward(x);", "[B, T, C] normalized");
            w.Line("for (var layer = 0; layer < Layers; layer++)", "Layers blocks");
            w.Line("    x = transformer.h[layer].forward(x, cache, layer);", "[B, T, C], caching keys and values");
            w.Line("cache.Advance(T);", "cache.Length += T");
            w.Line("x = transformer.ln_f.forward(x.narrow(1, T - 1, 1));", "[B, 1, C] the last position only");
            WriteLmHead(w, m, "x", "[B, 1, V]");
            WriteSoftcap(w, m, "[B, 1, V]");
            w.Line("return logits.view(B, VocabSize);", "[B, V]");
        }
        w.Line();
        w.Summary($"An empty KV cache for <paramref name=\"batchSize\"/> sequences on this model's device.");
        w.Line($"public KvCache CreateCache(long batchSize = 1) => new(batchSize, transformer.wte.weight!.device);");
        w.Line();
        w.Line("global::TinyGpt.KeyValueCache global::TinyGpt.ICachedLanguageModel.CreateCache(long batchSize) =>");
        w.Line("    CreateCache(batchSize);");
        w.Line();
        w.Line($"{Tensor} global::TinyGpt.ICachedLanguageModel.forward(");
        w.Line($"    {Tensor} idx, global::TinyGpt.KeyValueCache cache) =>");
        w.Line("    forward(idx, global::TinyGpt.InputGuard.CacheOf<KvCache>(");
        w.Line($"        cache, Where, \"{m.ClassName}.KvCache\"));");
        w.Line();
    }

    private static void WriteKvCache(CodeWriter w, GptModel m)
    {
        w.Summary([
            $"The KV cache of {m.ClassName}: keys and values of every block for up to BlockSize positions,",
            $"<c>[Layers, B, {KvLabel(m)}, BlockSize, hs]</c> = <c>[{m.Layers}, B, {m.Arch.KvHeads}, {m.BlockSize}, {m.HeadSize}]</c> each, in float32 (the attention's precision).",
            $"Made by <c>CreateCache</c>; <c>forward(idx, cache)</c> fills it."]);
        w.Line(GeneratedCode);
        using (w.Block("public sealed class KvCache : global::TinyGpt.KeyValueCache"))
        {
            w.Summary(
                "Allocates an empty cache for <paramref name=\"batchSize\"/> sequences",
                "on <paramref name=\"device\"/> (default: the CPU).");
            w.Line($"public KvCache(long batchSize, global::TorchSharp.torch.Device? device = null)");
            w.Line($"    : base(Layers, batchSize, {(m.Arch.Grouped(m.Heads) ? "KvHeads" : "Heads")}, BlockSize, HeadSize,");
            w.Line($"        {ScalarType}.Float32, device)");
            w.Line("{");
            w.Line("}");
        }
        w.Line();
    }

    private static void WriteCachedBlockForward(CodeWriter w)
    {
        w.Summary(
            "The new positions <c>x</c> <c>[B, T, C]</c> → <c>[B, T, C]</c>, attending to the cached ones too",
            "(block <paramref name=\"layer\"/> of the cache).");
        using (w.Method($"public {Tensor} forward", $"{Tensor} x, KvCache cache, int layer"))
        {
            w.Line("x = x + attn.forward(ln_1.forward(x), cache, layer);", "[B, T, C]");
            w.Line("x = x + mlp.forward(ln_2.forward(x));", "[B, T, C]");
            w.Line("return x;", "[B, T, C]");
        }
    }

    private static void WriteCachedAttentionForward(CodeWriter w, GptModel m)
    {
        w.Summary([
            "The new positions <c>x</c> <c>[B, T, C]</c> → <c>[B, T, C]</c>: their keys and values go into the cache",
            "(block <paramref name=\"layer\"/>), and their queries attend to every cached position and to each other causally."]);
        using (w.Method($"public {Tensor} forward", $"{Tensor} x, KvCache cache, int layer"))
        {
            w.Line("long B = x.shape[0], T = x.shape[1], C = x.shape[2];", "batch size, new positions, Embd");
            WriteQueryKeyValue(w, m);
            WriteRotaryAndQkNorm(w, m, "cache.Length");
            w.Line("var y = cache.Attend(layer, q, k, v);", "[B, nh, T, hs] float32, over past + T keys");
            w.Line("y = y.transpose(1, 2).contiguous().view(B, T, C);", "[B, T, C]");
            w.Line($"return {Linear(m, "c_proj", "y")};", Typed(m, "[B, T, C]"));
        }
    }
}

using System.Collections.Generic;
using System.Linq;

namespace TinyGpt.Generators;

// The parts of the emitter that the architecture options select: which norm, which activation, rotary or
// learned positions, grouped-query attention, the softcap. Each helper returns the code of one choice, so the
// generated model holds only what its options select and no run-time branch on them.
public sealed partial class GptGenerator
{
    private const string Runtime = "global::TinyGpt";

    /// <summary>True when the model is nanoGPT's GPT with every option at its default.</summary>
    private static bool IsNanoGpt(GptModel m) => m.Arch == Architecture.NanoGpt(m.Heads, m.Embd, m.Bias);

    /// <summary>The non-default options, as the attribute spells them.</summary>
    private static List<string> OptionNames(GptModel m)
    {
        var a = m.Arch;
        var names = new List<string>();
        if (a.Activation != MlpActivation.Gelu) names.Add($"Activation.{a.Activation}");
        if (a.Norm != NormKind.LayerNorm) names.Add("Norm.RmsNorm");
        if (!a.NormWeights) names.Add("NormWeights = false");
        if (a.Rotary) names.Add($"Positions.Rotary (RopeBase {Literal(a.RopeBase)})");
        if (a.Grouped(m.Heads)) names.Add($"KvHeads {a.KvHeads}");
        if (a.QkNorm) names.Add("QkNorm");
        if (a.EmbeddingNorm) names.Add("EmbeddingNorm");
        if (a.LogitSoftcap > 0) names.Add($"LogitSoftcap {Literal(a.LogitSoftcap)}");
        if (a.QkvBias != m.Bias) names.Add($"QkvBias = {(a.QkvBias ? "true" : "false")}");
        if (a.LmHeadBias) names.Add("LmHeadBias");
        if (a.MlpHidden != 4L * m.Embd) names.Add($"MlpHidden {a.MlpHidden}");
        return names;
    }

    /// <summary>The header lines that say which upstream model the file follows.</summary>
    private static void WriteLineage(CodeWriter w, GptModel m)
    {
        if (IsNanoGpt(m))
        {
            w.Line("// The model is nanoGPT's GPT (https://github.com/karpathy/nanoGPT, model.py), module for module and");
            w.Line("// name for name, so its state_dict keys and its numerics are nanoGPT's. Shapes in the comments:");
            return;
        }
        w.Line(m.Arch.IsLecture
            ? "// The model is the lecture's GPT (https://github.com/karpathy/ng-video-lecture, gpt.py: no embedding dropout,"
            : "// The model is nanoGPT's GPT (https://github.com/karpathy/nanoGPT, model.py) with the options");
        w.Line(m.Arch.IsLecture
            ? "// N(0, 0.02) everywhere) with these options, in nanoGPT's module and parameter names (one fused c_attn):"
            : "// below (nanochat's modern block, Llama's SwiGLU, …), in nanoGPT's module and parameter names:");
        var line = "//   ";
        foreach (var option in OptionNames(m))
        {
            if (line.Length + option.Length > 110)
            {
                w.Line(line.TrimEnd(' ', ','));
                line = "//   ";
            }
            line += option + ", ";
        }
        w.Line(line.TrimEnd(' ', ','));
        w.Line("// Shapes in the comments:");
    }

    /// <summary>The legend lines for the shapes the options add.</summary>
    private static void WriteOptionLegend(CodeWriter w, GptModel m)
    {
        var extra = new List<string>();
        if (m.Arch.Grouped(m.Heads)) extra.Add($"nkv KvHeads ({m.Arch.KvHeads})");
        if (m.Arch.MlpHidden != 4L * m.Embd) extra.Add($"F  MlpHidden ({m.Arch.MlpHidden})");
        if (extra.Count > 0)
            w.Line("//   " + string.Join("           ", extra.Select(e => $"{e,-24}")).TrimEnd());
    }

    /// <summary>The shape label of the key/value heads: <c>nkv</c>, or <c>nh</c> without grouping.</summary>
    private static string KvLabel(GptModel m) => m.Arch.Grouped(m.Heads) ? "nkv" : "nh";

    /// <summary>The shape label of the MLP's hidden width: <c>4·C</c>, or <c>F</c> when MlpHidden is set otherwise.</summary>
    private static string HiddenLabel(GptModel m) => m.Arch.MlpHidden == 4L * m.Embd ? "4·C" : "F";

    /// <summary>The C# expression of the MLP's hidden width.</summary>
    private static string HiddenCode(GptModel m) => m.Arch.MlpHidden == 4L * m.Embd ? "4 * Embd" : "MlpHidden";

    /// <summary>The constants the options add: KvHeads, MlpHidden, RopeBase, LogitSoftcap (only those in use).</summary>
    private static void WriteOptionConstants(CodeWriter w, GptModel m)
    {
        var a = m.Arch;
        if (a.Grouped(m.Heads))
        {
            w.Summary(
                "Key/value heads per block (grouped-query attention): query head h reads key/value head",
                $"h / (Heads / KvHeads) = h / {m.Heads / a.KvHeads}.");
            w.Line($"public const int KvHeads = {a.KvHeads};");
            w.Line();
        }
        if (a.MlpHidden != 4L * m.Embd)
        {
            w.Summary($"Width F of the MLP's hidden layer: <c>[B, T, C]</c> → <c>[B, T, {a.MlpHidden}]</c> → <c>[B, T, C]</c>.");
            w.Line($"public const int MlpHidden = {a.MlpHidden};");
            w.Line();
        }
        if (a.Rotary)
        {
            w.Summary("The rotary base: position p turns pair i of every head by p · RopeBase^(−2i/HeadSize).");
            w.Line($"public const double RopeBase = {Literal(a.RopeBase)};");
            w.Line();
        }
        if (a.LogitSoftcap > 0)
        {
            w.Summary("The logit softcap c: logits = c · tanh(logits / c), within (−c, c) (nanochat).");
            w.Line($"public const double LogitSoftcap = {Literal(a.LogitSoftcap)};");
            w.Line();
        }
    }

    /// <summary>The named arguments of <c>GptConfig</c> for the non-default options, one per line.</summary>
    private static List<string> ConfigArguments(GptModel m)
    {
        var a = m.Arch;
        var args = new List<string>();
        if (a.Activation != MlpActivation.Gelu) args.Add($"Activation: {Runtime}.Activation.{a.Activation}");
        if (a.Norm != NormKind.LayerNorm) args.Add($"Norm: {Runtime}.Norm.RmsNorm");
        if (!a.NormWeights) args.Add("NormWeights: false");
        if (a.Rotary) args.Add($"Positions: {Runtime}.Positions.Rotary, RopeBase: RopeBase");
        if (a.Grouped(m.Heads)) args.Add("KvHeads: KvHeads");
        if (a.QkNorm) args.Add("QkNorm: true");
        if (a.EmbeddingNorm) args.Add("EmbeddingNorm: true");
        if (a.LogitSoftcap > 0) args.Add("LogitSoftcap: LogitSoftcap");
        if (a.QkvBias != m.Bias) args.Add($"QkvBias: {(a.QkvBias ? "true" : "false")}");
        if (a.LmHeadBias) args.Add("LmHeadBias: true");
        if (a.MlpHidden != 4L * m.Embd) args.Add("MlpHidden: MlpHidden");
        return args;
    }

    /// <summary>The type of a norm field.</summary>
    private static string NormType(GptModel m) =>
        m.Arch.Norm == NormKind.RmsNorm ? $"{Runtime}.RmsNorm" : $"{Layers}.LayerNorm";

    /// <summary>The construction of a norm over <paramref name="width"/> (a C# expression: <c>Embd</c>, <c>HeadSize</c>).</summary>
    private static string NormCode(GptModel m, string width) => (m.Arch.Norm, m.Arch.NormWeights) switch
    {
        (NormKind.RmsNorm, true) => $"new {Runtime}.RmsNorm({width})",
        (NormKind.RmsNorm, false) => $"new {Runtime}.RmsNorm({width}, learned: false)",
        (_, true) when width == "Embd" => LayerNorm,
        (_, true) => $"{Nn}.LayerNorm({width}, eps: 1e-5, bias: Bias)",
        _ => $"{Nn}.LayerNorm({width}, eps: 1e-5, elementwise_affine: false)",
    };

    /// <summary>The doc line of a norm: "<paramref name="what"/> over C (eps 1e-5): … weight [C], no bias."</summary>
    private static string NormDocs(string what, GptModel m, string dim = "C", string shape = "[B, T, C]")
    {
        var a = m.Arch;
        var kind = a.Norm == NormKind.RmsNorm ? "RMSNorm" : "LayerNorm";
        var eps = a.Norm == NormKind.RmsNorm ? "eps 2⁻²³" : "eps 1e-5";
        var parameters = !a.NormWeights ? "no parameters"
            : a.Norm == NormKind.RmsNorm ? $"weight <c>[{dim}]</c>, no bias"
            : m.Bias ? $"weight <c>[{dim}]</c> and bias <c>[{dim}]</c>" : $"weight <c>[{dim}]</c>, no bias";
        var text = $"{what} over {dim} ({eps}): <c>{shape}</c> → <c>{shape}</c>; {parameters}.";
        return a.Norm == NormKind.LayerNorm ? text : text.Replace("a LayerNorm", "an RMSNorm").Replace("LayerNorm", kind);
    }

    /// <summary>The softcap line after the LM head, when the model has one.</summary>
    private static void WriteSoftcap(CodeWriter w, GptModel m, string shape)
    {
        if (m.Arch.LogitSoftcap > 0)
            w.Line("logits = LogitSoftcap * (logits / LogitSoftcap).tanh();", $"{shape} within ±LogitSoftcap");
    }

    /// <summary>The rotary table, shared by every attention layer of the class (it holds no parameters).</summary>
    private static void WriteRotaryTable(CodeWriter w, GptModel m)
    {
        if (!m.Arch.Rotary)
            return;
        w.Summary($"The rotary cosines and sines for positions 0 … BlockSize − 1, <c>[{m.BlockSize}, {m.HeadSize / 2}]</c> each (no parameters, not in the state dict).");
        w.Line($"internal static readonly {Runtime}.RotaryEmbedding rotary = new(HeadSize, BlockSize, RopeBase);");
        w.Line();
    }

    /// <summary>nanochat's <c>apply_rotary_emb</c>, in the attention class of rotary models.</summary>
    private static void WriteApplyRotary(CodeWriter w, GptModel m)
    {
        if (!m.Arch.Rotary)
            return;
        w.Line();
        w.Summary([
            "nanochat's <c>apply_rotary_emb</c>: turns each pair (x₁[i], x₂[i]) of the halves x₁ = x[..., :hs/2],",
            "x₂ = x[..., hs/2:] by its angle. <c>x</c> <c>[B, n, T, hs]</c>, <c>cos</c>, <c>sin</c> <c>[T, hs/2]</c> → <c>[B, n, T, hs]</c>."]);
        using (w.Method($"private static {Tensor} ApplyRotary", $"{Tensor} x, {Tensor} cos, {Tensor} sin"))
        {
            w.Line("var d = x.shape[3] / 2;", "hs/2");
            w.Line("var x1 = x.narrow(3, 0, d);", "[B, n, T, hs/2] first half");
            w.Line("var x2 = x.narrow(3, d, d);", "[B, n, T, hs/2] second half");
            w.Line("var y1 = x1 * cos + x2 * sin;", "[B, n, T, hs/2]");
            w.Line("var y2 = x1 * (-sin) + x2 * cos;", "[B, n, T, hs/2]");
            w.Line("return global::TorchSharp.torch.cat([y1, y2], 3).to(x.dtype);", "[B, n, T, hs] in x's dtype");
        }
    }

    /// <summary>Rotary positions and QK-norm on q and k, in nanochat's order; <paramref name="start"/> is the first position.</summary>
    private static void WriteRotaryAndQkNorm(CodeWriter w, GptModel m, string start)
    {
        var a = m.Arch;
        var kv = KvLabel(m);
        if (a.Rotary)
        {
            w.Line($"var (cos, sin) = rotary.At({start}, T, x.device);", "[T, hs/2] each, at " + (start == "0" ? "0 … T-1" : "past … past+T-1"));
            w.Line("q = ApplyRotary(q, cos, sin);", Typed(m, "[B, nh, T, hs] rotated by position"));
            w.Line("k = ApplyRotary(k, cos, sin);", Typed(m, $"[B, {kv}, T, hs] rotated by position"));
        }
        if (a.QkNorm)
        {
            w.Line("q = q_norm.forward(q);", $"[B, nh, T, hs] QK-norm over hs");
            w.Line("k = k_norm.forward(k);", $"[B, {kv}, T, hs] QK-norm over hs");
        }
    }

    /// <summary>Grouped-query attention: each key/value head repeated for the query heads that read it.</summary>
    private static void WriteRepeatKv(CodeWriter w, GptModel m)
    {
        if (!m.Arch.Grouped(m.Heads))
            return;
        w.Line("k = k.repeat_interleave(Heads / KvHeads, dim: 1);", Typed(m, "[B, nh, T, hs] q head h reads kv head h / (nh / nkv)"));
        w.Line("v = v.repeat_interleave(Heads / KvHeads, dim: 1);", Typed(m, "[B, nh, T, hs]"));
    }

    /// <summary>The MLP's activation lines, from <c>c_fc</c>'s output <c>x</c> (SwiGlu also reads the block input <c>input</c>).</summary>
    private static void WriteActivation(CodeWriter w, GptModel m)
    {
        var hidden = HiddenLabel(m);
        switch (m.Arch.Activation)
        {
            case MlpActivation.Gelu:
                w.Line("x = gelu.forward(x);", Typed(m, $"[B, T, {hidden}]"));
                break;
            case MlpActivation.Relu:
                w.Line("x = relu.forward(x);", Typed(m, $"[B, T, {hidden}]"));
                break;
            case MlpActivation.ReluSquared:
                w.Line($"x = {Nn}.functional.relu(x).square();", Typed(m, $"[B, T, {hidden}] relu(x)²"));
                break;
            case MlpActivation.SwiGlu:
                w.Line($"x = {Nn}.functional.silu(x) * {Linear(m, "c_up", "input")};", Typed(m, $"[B, T, {hidden}] silu(x·W₁) · (x·W₃)"));
                break;
        }
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using Microsoft.CodeAnalysis;

namespace TinyGpt.Generators;

public sealed partial class GptGenerator
{
    /// <summary>Names the generated class declares; a [Gpt] class of the same name would not compile (CS0542).</summary>
    private static readonly HashSet<string> GeneratedMemberNames = new(StringComparer.Ordinal)
    {
        "Transformer", "Block", "CausalSelfAttention", "Mlp",
        "Layers", "Heads", "Embd", "HeadSize", "BlockSize", "VocabSize", "Dropout", "Bias", "TieWeights",
        "ParameterCount", "FlopsPerToken", "Hyperparameters", "Config", "transformer", "lm_head", "forward",
        "InitStd", "ResidualInitStd", "InitWeights",
        "Precision", "ComputeType", "ComputeDtype", "KvCache", "CreateCache", "BFloat16Linear",
        "KvHeads", "MlpHidden", "LogitSoftcap", "RopeBase", "rotary", "ApplyRotary",
        "Where", "AttributeErrors",
    };

    /// <summary>
    /// Decides whether a declaration is a buildable model. Shared by the generator (which emits a model
    /// only for what passes, a fallback for bad values) and <see cref="GptAnalyzer"/> (which reports every
    /// <paramref name="report"/>ed problem).
    /// </summary>
    /// <returns>The model, or null when there is any problem or the compiler already reports an error.</returns>
    internal static GptModel? Validate(GptDeclaration declaration, Action<Problem>? report = null)
    {
        if (declaration.HasCompilerErrors)
            return null;

        var valid = true;
        void Fail(DiagnosticDescriptor descriptor, ProblemTarget target, string? argument, int depth, object[] messageArguments)
        {
            valid = false;
            report?.Invoke(new Problem(descriptor, target, argument, depth, new EquatableArray<string>(
                Array.ConvertAll(messageArguments, a => Convert.ToString(a, CultureInfo.InvariantCulture) ?? ""))));
        }
        void OnClass(DiagnosticDescriptor descriptor, params object[] args) => Fail(descriptor, ProblemTarget.ClassName, null, 0, args);
        void OnAttribute(DiagnosticDescriptor descriptor, params object[] args) => Fail(descriptor, ProblemTarget.Attribute, null, 0, args);
        void OnArgument(string argument, DiagnosticDescriptor descriptor, params object[] args) => Fail(descriptor, ProblemTarget.Argument, argument, 0, args);

        var name = declaration.ClassName;

        // The class itself.
        if (declaration.IsRecord)
            OnClass(DiagnosticDescriptors.ClassIsRecord, name);
        if (declaration.IsStatic)
            OnClass(DiagnosticDescriptors.ClassIsStatic, name);
        if (declaration.IsFileLocal)
            OnClass(DiagnosticDescriptors.ClassIsFileLocal, name);
        if (!declaration.IsPartial)
            OnClass(DiagnosticDescriptors.ClassNotPartial, name);
        if (declaration.IsGeneric)
            OnClass(DiagnosticDescriptors.ClassIsGeneric, name);
        if (declaration.BaseClassName is { } baseClass)
            Fail(DiagnosticDescriptors.ClassHasBaseClass, ProblemTarget.BaseClass, null, 0, [name, baseClass]);
        if (GeneratedMemberNames.Contains(name))
            OnClass(DiagnosticDescriptors.ClassNameClashes, name);
        foreach (var member in declaration.ClashingMembers)
            Fail(DiagnosticDescriptors.MemberClashes, ProblemTarget.Member, member, 0,
                [name, member == ".ctor" ? "a parameterless constructor" : $"a member named '{member}'"]);
        for (var depth = 0; depth < declaration.ContainingTypes.Count; depth++)
        {
            var outer = declaration.ContainingTypes[depth];
            if (!outer.IsPartial)
                Fail(DiagnosticDescriptors.ContainingTypeNotPartial, ProblemTarget.ContainingType, null, depth, [outer.Name, name]);
        }

        // The hyperparameters.
        void Require(int? value, string argument, string meaning)
        {
            if (value is null)
                OnAttribute(DiagnosticDescriptors.RequiredArgumentMissing, name, argument, meaning);
        }
        Require(declaration.Layers, "Layers", "nanoGPT's n_layer, the number of transformer blocks");
        Require(declaration.Heads, "Heads", "nanoGPT's n_head, the attention heads per block");
        Require(declaration.Embd, "Embd", "nanoGPT's n_embd, the width of the residual stream");

        void AtLeastOne(int? value, string argument, string unit)
        {
            if (value < 1)
                OnArgument(argument, DiagnosticDescriptors.SizeBelowOne, argument, value.Value, unit);
        }
        AtLeastOne(declaration.Layers, "Layers", "transformer block");
        AtLeastOne(declaration.Heads, "Heads", "attention head");
        AtLeastOne(declaration.Embd, "Embd", "embedding dimension");
        AtLeastOne(declaration.BlockSize, "BlockSize", "token of context");
        if (declaration.VocabSize < 2)
            OnArgument("VocabSize", DiagnosticDescriptors.VocabSizeBelowTwo, declaration.VocabSize);
        if (!(declaration.Dropout >= 0.0 && declaration.Dropout < 1.0))
            OnArgument("Dropout", DiagnosticDescriptors.DropoutOutOfRange, Literal(declaration.Dropout));
        if (declaration.Precision is not ((int)ComputePrecision.Float32 or (int)ComputePrecision.BFloat16))
            OnArgument("Precision", DiagnosticDescriptors.PrecisionUndefined, declaration.Precision);

        if (declaration is { Embd: >= 1 and var embd, Heads: >= 1 and var heads } && embd % heads != 0)
        {
            var quotient = ((double)embd / heads).ToString("0.###", CultureInfo.InvariantCulture);
            OnArgument("Embd", DiagnosticDescriptors.EmbdNotDivisibleByHeads,
                embd, heads, quotient, NearestMultiples(embd, heads));
        }

        var options = declaration.Options ?? DeclaredOptions.Defaults;
        ValidateOptions(declaration, options, OnArgument);

        if (!valid)
            return null;

        int layersValue = declaration.Layers!.Value, headsValue = declaration.Heads!.Value, embdValue = declaration.Embd!.Value;
        var arch = new Architecture(
            Activation: (MlpActivation)options.Activation,
            Norm: (NormKind)options.Norm,
            NormWeights: options.NormWeights,
            Positions: (PositionKind)options.Positions,
            RopeBase: options.RopeBase ?? Architecture.DefaultRopeBase,
            KvHeads: options.KvHeads ?? headsValue,
            QkNorm: options.QkNorm,
            EmbeddingNorm: options.EmbeddingNorm,
            LogitSoftcap: options.LogitSoftcap,
            QkvBias: options.QkvBias ?? declaration.Bias,
            LmHeadBias: options.LmHeadBias,
            MlpHidden: options.MlpHidden ?? 4L * embdValue);
        var (parameters, flops) = Count(layersValue, headsValue, embdValue, declaration.BlockSize, declaration.VocabSize,
            declaration.Bias, declaration.TieWeights, arch);
        if (parameters.Total > long.MaxValue || flops > long.MaxValue)
        {
            OnAttribute(DiagnosticDescriptors.ModelTooLarge,
                parameters.Total.ToString("N0", CultureInfo.InvariantCulture),
                flops.ToString("N0", CultureInfo.InvariantCulture));
            return null;
        }

        return new GptModel(
            ClassName: name,
            Namespace: declaration.Namespace,
            ContainingTypes: declaration.ContainingTypes,
            Layers: layersValue,
            Heads: headsValue,
            Embd: embdValue,
            BlockSize: declaration.BlockSize,
            VocabSize: declaration.VocabSize,
            Dropout: declaration.Dropout,
            Bias: declaration.Bias,
            TieWeights: declaration.TieWeights,
            Parameters: new ParameterBreakdown(
                TokenEmbedding: (long)parameters.TokenEmbedding,
                PositionEmbedding: (long)parameters.PositionEmbedding,
                PerBlock: (long)parameters.PerBlock,
                FinalNorm: (long)parameters.FinalNorm,
                LmHead: (long)parameters.LmHead,
                Total: (long)parameters.Total,
                EmbeddingNorm: (long)parameters.EmbeddingNorm),
            FlopsPerToken: (long)flops,
            Precision: (ComputePrecision)declaration.Precision,
            Options: arch);
    }

    /// <summary>
    /// The checks of the architecture options. Each combination is judged only when the values it rests on are
    /// valid themselves (no KvHeads check without a valid Heads, no head-size check without a whole HeadSize), so one
    /// mistake is one error.
    /// </summary>
    private static void ValidateOptions(GptDeclaration declaration, DeclaredOptions options,
        Action<string, DiagnosticDescriptor, object[]> onArgument)
    {
        void Undefined(string argument, int value, int count, string valid)
        {
            if (value < 0 || value >= count)
                onArgument(argument, DiagnosticDescriptors.OptionUndefined, [argument, value, valid]);
        }
        Undefined("Activation", options.Activation, 4,
            "Activation.Gelu (0), Activation.Relu (1), Activation.ReluSquared (2) or Activation.SwiGlu (3)");
        Undefined("Norm", options.Norm, 2, "Norm.LayerNorm (0) or Norm.RmsNorm (1)");
        Undefined("Positions", options.Positions, 2, "Positions.Learned (0) or Positions.Rotary (1)");

        if (declaration is { Heads: >= 1 and var heads } && options.KvHeads is { } kvHeads)
        {
            var why = kvHeads < 1 ? "it is below 1"
                : kvHeads > heads ? $"{kvHeads} is more than Heads"
                : heads % kvHeads != 0 ? $"{heads} / {kvHeads} = {((double)heads / kvHeads).ToString("0.###", CultureInfo.InvariantCulture)} is not whole"
                : null;
            if (why is not null)
                onArgument("KvHeads", DiagnosticDescriptors.KvHeadsInvalid, [kvHeads, heads, why, Divisors(heads)]);
        }

        if (options.Positions == (int)PositionKind.Rotary
            && declaration is { Embd: >= 1 and var embd, Heads: >= 1 and var h } && embd % h == 0 && embd / h % 2 != 0)
        {
            var headSize = embd / h;
            var nearest = headSize > 1
                ? $"the nearest valid values are Embd {(long)h * (headSize - 1)} and Embd {(long)h * (headSize + 1)}"
                : $"the smallest valid value is Embd {2L * h}";
            onArgument("Positions", DiagnosticDescriptors.RotaryOddHeadSize, [embd, h, headSize, nearest]);
        }

        var softcap = options.LogitSoftcap;
        if (!(softcap >= 0) || double.IsInfinity(softcap))
            onArgument("LogitSoftcap", DiagnosticDescriptors.LogitSoftcapInvalid,
                [Literal(softcap), double.IsNaN(softcap) ? "not a number" : double.IsInfinity(softcap) ? "infinite" : "negative"]);

        if (options.MlpHidden is < 1 and var hidden)
            onArgument("MlpHidden", DiagnosticDescriptors.MlpHiddenBelowOne,
                [hidden, declaration.Embd is { } e ? (4L * e).ToString(CultureInfo.InvariantCulture) : "4·Embd"]);

        if (options.RopeBase is { } ropeBase)
        {
            if (!(ropeBase > 1) || double.IsInfinity(ropeBase))
                onArgument("RopeBase", DiagnosticDescriptors.RopeBaseInvalid, [Literal(ropeBase)]);
            else if (options.Positions == (int)PositionKind.Learned)
                onArgument("RopeBase", DiagnosticDescriptors.RopeBaseWithoutRotary, [Literal(ropeBase)]);
        }
    }

    /// <summary>"1, 2, 3 or 6": the values KvHeads may take.</summary>
    private static string Divisors(int heads)
    {
        var divisors = new List<string>();
        for (var d = 1; d <= heads && divisors.Count <= 12; d++)
            if (heads % d == 0)
                divisors.Add(d.ToString(CultureInfo.InvariantCulture));
        if (divisors.Count > 12)
            return "e.g. " + string.Join(", ", divisors.Take(12)) + ", …";
        return divisors.Count == 1 ? divisors[0] : string.Join(", ", divisors.Take(divisors.Count - 1)) + " or " + divisors[divisors.Count - 1];
    }

    /// <summary>
    /// Validates a declaration once and says what the generator writes for it: the model when it is
    /// valid, else the stand-in for bad values (see <see cref="FallbackFor"/>), else nothing.
    /// </summary>
    internal static GeneratedOutput Plan(GptDeclaration declaration)
    {
        var problems = new List<Problem>();
        var model = Validate(declaration, problems.Add);
        return new GeneratedOutput(model, model is null ? FallbackFor(declaration, problems) : null);
    }

    /// <summary>
    /// The stand-in for a declaration whose class is sound but whose values are not; null for a class of
    /// the wrong shape (a stand-in would not compile either) and where the compiler reports the error (no problems).
    /// </summary>
    private static GptFallback? FallbackFor(GptDeclaration declaration, List<Problem> problems)
    {
        if (problems.Count == 0 || !problems.TrueForAll(p => p.Target is ProblemTarget.Attribute or ProblemTarget.Argument))
            return null;
        var errors = problems
            .OrderBy(p => p.Descriptor.Id, StringComparer.Ordinal)
            .Select(p => new ReportedError(p.Descriptor.Id, string.Format(CultureInfo.InvariantCulture,
                p.Descriptor.MessageFormat.ToString(CultureInfo.InvariantCulture), p.MessageArguments.ToArray<object>())));
        return new GptFallback(declaration.ClassName, declaration.Namespace, declaration.ContainingTypes,
            new EquatableArray<ReportedError>(errors));
    }

    /// <summary>"the nearest valid Embd values are 128 and 132" (or just the one above when none is below).</summary>
    private static string NearestMultiples(int embd, int heads)
    {
        var (below, above) = NearestValidEmbd(embd, heads);
        return below is not null
            ? $"the nearest valid values are Embd {below} and Embd {above}"
            : $"the smallest valid value is Embd {above}";
    }

    /// <summary>The multiples of <paramref name="heads"/> around <paramref name="embd"/> (below is null when it would be under 1); TGPT004's code fix offers them.</summary>
    internal static (long? Below, long Above) NearestValidEmbd(int embd, int heads)
    {
        long below = (long)embd / heads * heads, above = below + heads;
        return (below >= 1 ? below : null, above);
    }

    /// <summary>Exact parameter and FLOP counts, in unbounded integers so that overflow can be detected.</summary>
    private static ((BigInteger TokenEmbedding, BigInteger PositionEmbedding, BigInteger PerBlock, BigInteger FinalNorm,
        BigInteger LmHead, BigInteger Total, BigInteger EmbeddingNorm) Parameters, BigInteger Flops)
        Count(int layers, int heads, int embd, int blockSize, int vocabSize, bool bias, bool tieWeights, Architecture arch)
    {
        BigInteger c = embd, l = layers, t = blockSize, v = vocabSize, nh = heads, hs = embd / heads;
        BigInteger kv = arch.KvHeads, hidden = arch.MlpHidden;
        BigInteger Linear(BigInteger inFeatures, BigInteger outFeatures, bool hasBias) =>
            inFeatures * outFeatures + (hasBias ? outFeatures : BigInteger.Zero);
        // A LayerNorm has a weight and, with Bias, a bias; an RMSNorm a weight only; parameter-free norms nothing.
        BigInteger Norm(BigInteger width) =>
            !arch.NormWeights ? BigInteger.Zero : arch.Norm == NormKind.LayerNorm && bias ? 2 * width : width;

        var tokenEmbedding = v * c;                                          // wte [V, C]
        var positionEmbedding = arch.Learned ? t * c : BigInteger.Zero;      // wpe [T, C]; rotary models have none
        var attention = Linear(c, (nh + 2 * kv) * hs, arch.QkvBias)          // c_attn: q heads, then k, then v
            + Linear(c, c, bias)                                             // c_proj
            + (arch.QkNorm ? 2 * Norm(hs) : BigInteger.Zero);                // q_norm, k_norm over hs
        var mlp = Linear(c, hidden, bias)                                    // c_fc (W₁)
            + (arch.Activation == MlpActivation.SwiGlu ? Linear(c, hidden, bias) : BigInteger.Zero)   // c_up (W₃)
            + Linear(hidden, c, bias);                                       // c_proj (W₂)
        var perBlock = Norm(c) + attention + Norm(c) + mlp;                  // ln_1, attn, ln_2, mlp
        var embeddingNorm = arch.EmbeddingNorm ? Norm(c) : BigInteger.Zero;  // ln_emb
        var finalNorm = Norm(c);                                             // ln_f
        var lmHead = (tieWeights ? BigInteger.Zero : v * c)                  // lm_head [V, C], shared with wte when tied
            + (arch.LmHeadBias ? v : BigInteger.Zero);
        var total = tokenEmbedding + positionEmbedding + l * perBlock + embeddingNorm + finalNorm + lmHead;
        // nanoGPT's estimate_mfu: N = get_num_params() (non_embedding=True: position embeddings left out).
        var flops = 6 * (total - positionEmbedding) + 12 * l * nh * hs * t;
        return ((tokenEmbedding, positionEmbedding, perBlock, finalNorm, lmHead, total, embeddingNorm), flops);
    }

    /// <summary>A double as a C# literal that round-trips: 0.0, 0.2, 1E-05.</summary>
    internal static string Literal(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.IndexOfAny(['.', 'E', 'N', 'I']) >= 0 ? text : text + ".0";
    }
}

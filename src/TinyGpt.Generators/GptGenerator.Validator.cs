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
        "Precision", "ComputeType", "KvCache", "CreateCache", "BFloat16Linear",
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

        if (!valid)
            return null;

        int layersValue = declaration.Layers!.Value, embdValue = declaration.Embd!.Value;
        var (parameters, flops) = Count(layersValue, embdValue, declaration.BlockSize, declaration.VocabSize,
            declaration.Bias, declaration.TieWeights);
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
            Heads: declaration.Heads!.Value,
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
                Total: (long)parameters.Total),
            FlopsPerToken: (long)flops,
            Precision: (ComputePrecision)declaration.Precision);
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
        BigInteger LmHead, BigInteger Total) Parameters, BigInteger Flops)
        Count(int layers, int embd, int blockSize, int vocabSize, bool bias, bool tieWeights)
    {
        BigInteger c = embd, l = layers, t = blockSize, v = vocabSize;
        var tokenEmbedding = v * c;                                  // wte [V, C]
        var positionEmbedding = t * c;                               // wpe [T, C]
        var perBlock = 12 * c * c + 2 * c + (bias ? 11 * c : 0);     // ln_1, c_attn (3C²), c_proj (C²), ln_2, c_fc (4C²), c_proj (4C²)
        var finalNorm = bias ? 2 * c : c;                            // ln_f
        var lmHead = tieWeights ? BigInteger.Zero : v * c;           // lm_head [V, C], shared with wte when tied
        var total = tokenEmbedding + positionEmbedding + l * perBlock + finalNorm + lmHead;
        // nanoGPT's estimate_mfu: N = get_num_params() (non_embedding=True: position embeddings left out).
        var flops = 6 * (total - positionEmbedding) + 12 * l * c * t;
        return ((tokenEmbedding, positionEmbedding, perBlock, finalNorm, lmHead, total), flops);
    }

    /// <summary>A double as a C# literal that round-trips: 0.0, 0.2, 1E-05.</summary>
    internal static string Literal(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.IndexOfAny(['.', 'E', 'N', 'I']) >= 0 ? text : text + ".0";
    }
}

using Microsoft.CodeAnalysis;

namespace TinyGpt.Generators;

/// <summary>
/// Every diagnostic TinyGpt reports. IDs are stable and listed in <c>AnalyzerReleases.Shipped.md</c>;
/// messages spell out the arithmetic so the fix is obvious.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "TinyGpt";

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>{0} class, {1} argument, {2} its meaning.</summary>
    public static readonly DiagnosticDescriptor RequiredArgumentMissing = Error(
        "TGPT001",
        "A required [Gpt] argument is not set",
        "[Gpt] on '{0}' must set {1} ({2})");

    /// <summary>{0} argument, {1} value, {2} what one unit of it is.</summary>
    public static readonly DiagnosticDescriptor SizeBelowOne = Error(
        "TGPT002",
        "A [Gpt] size is below 1",
        "{0} = {1} is below 1: a GPT needs at least one {2}");

    /// <summary>{0} value.</summary>
    public static readonly DiagnosticDescriptor VocabSizeBelowTwo = Error(
        "TGPT003",
        "VocabSize is below 2",
        "VocabSize = {0} is below 2: a language model chooses between at least two tokens");

    /// <summary>{0} Embd, {1} Heads, {2} the quotient, {3} the nearest valid Embd values.</summary>
    public static readonly DiagnosticDescriptor EmbdNotDivisibleByHeads = Error(
        "TGPT004",
        "Embd is not divisible by Heads",
        "Embd {0} is not divisible by Heads {1} ({0} / {1} = {2}): every head needs a whole number of dimensions; {3}");

    /// <summary>{0} value.</summary>
    public static readonly DiagnosticDescriptor DropoutOutOfRange = Error(
        "TGPT005",
        "Dropout is outside [0, 1)",
        "Dropout = {0} is outside [0, 1): it is the probability of zeroing an activation while training, and 1 would zero them all");

    /// <summary>{0} parameter count, {1} FLOPs per token.</summary>
    public static readonly DiagnosticDescriptor ModelTooLarge = Error(
        "TGPT006",
        "The parameter count overflows",
        "This model would have {0} parameters and {1} training FLOPs per token; ParameterCount and FlopsPerToken must each fit in a long (at most 9,223,372,036,854,775,807)");

    /// <summary>{0} class.</summary>
    public static readonly DiagnosticDescriptor ClassNotPartial = Error(
        "TGPT007",
        "A [Gpt] class must be partial",
        "'{0}' must be declared partial: the TinyGpt generator writes the rest of the class");

    /// <summary>{0} class.</summary>
    public static readonly DiagnosticDescriptor ClassIsGeneric = Error(
        "TGPT008",
        "A [Gpt] class must not be generic",
        "'{0}' must not be generic: a [Gpt] class is one concrete architecture");

    /// <summary>{0} class, {1} its base class.</summary>
    public static readonly DiagnosticDescriptor ClassHasBaseClass = Error(
        "TGPT009",
        "A [Gpt] class must not declare a base class",
        "'{0}' must not derive from '{1}': the generator makes it derive from TinyGpt.LanguageModel");

    /// <summary>{0} containing type, {1} the [Gpt] class.</summary>
    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error(
        "TGPT010",
        "A type containing a [Gpt] class must be partial",
        "'{0}' must be declared partial because it contains the [Gpt] class '{1}', which the generator extends");

    /// <summary>{0} class.</summary>
    public static readonly DiagnosticDescriptor ClassIsStatic = Error(
        "TGPT011",
        "A [Gpt] class must not be static",
        "'{0}' must not be static: a model is an object that holds its parameters");

    /// <summary>{0} class.</summary>
    public static readonly DiagnosticDescriptor ClassIsRecord = Error(
        "TGPT012",
        "A [Gpt] class must not be a record",
        "'{0}' is a record; [Gpt] applies to a partial class (a record cannot derive from TinyGpt.LanguageModel)");

    /// <summary>{0} class.</summary>
    public static readonly DiagnosticDescriptor ClassNameClashes = Error(
        "TGPT013",
        "A [Gpt] class name clashes with a generated member",
        "'{0}' cannot name a [Gpt] class: the generated model has a member called '{0}', and a member cannot share its class's name");

    /// <summary>{0} class, {1} the member ("a member named 'Layers'", "a parameterless constructor").</summary>
    public static readonly DiagnosticDescriptor MemberClashes = Error(
        "TGPT015",
        "A [Gpt] class declares a member the generator writes",
        "'{0}' declares {1}, which the generator writes for every [Gpt] class; rename or remove it");

    /// <summary>{0} class.</summary>
    public static readonly DiagnosticDescriptor ClassIsFileLocal = Error(
        "TGPT014",
        "A [Gpt] class must not be file-local",
        "'{0}' must not be file-local (nor nested in a file-local type): the generator writes the rest of the class in another file, which cannot reach it");

    /// <summary>{0} the number given.</summary>
    public static readonly DiagnosticDescriptor PrecisionUndefined = Error(
        "TGPT016",
        "Precision is not Float32 or BFloat16",
        "Precision = {0} is not a precision a model can be generated with: use Precision.Float32 (0) or Precision.BFloat16 (1); Precision.Auto (2) is chosen at run time (LanguageModel.ComputePrecision, TrainingOptions.Precision)");

    /// <summary>{0} KvHeads, {1} Heads, {2} why not, {3} the valid values.</summary>
    public static readonly DiagnosticDescriptor KvHeadsInvalid = Error(
        "TGPT017",
        "KvHeads does not divide Heads",
        "KvHeads = {0} does not fit Heads = {1}: {2}; every key/value head serves the same number of query heads, so KvHeads must divide Heads ({3})");

    /// <summary>{0} Embd, {1} Heads, {2} HeadSize, {3} the nearest valid Embd values.</summary>
    public static readonly DiagnosticDescriptor RotaryOddHeadSize = Error(
        "TGPT018",
        "Rotary positions need an even head size",
        "Positions.Rotary needs an even HeadSize, but Embd {0} / Heads {1} = {2}: rotary embeddings turn each head's dimensions in pairs (x[..., :hs/2] with x[..., hs/2:]); {3}");

    /// <summary>{0} value, {1} what is wrong with it.</summary>
    public static readonly DiagnosticDescriptor LogitSoftcapInvalid = Error(
        "TGPT019",
        "LogitSoftcap is negative or not finite",
        "LogitSoftcap = {0} is {1}: the logits become c·tanh(logits / c) for a finite c > 0, and 0 turns the softcap off");

    /// <summary>{0} value, {1} the default 4·Embd.</summary>
    public static readonly DiagnosticDescriptor MlpHiddenBelowOne = Error(
        "TGPT020",
        "MlpHidden is below 1",
        "MlpHidden = {0} is below 1: the MLP needs at least one hidden unit (leave it unset for 4·Embd = {1})");

    /// <summary>{0} value.</summary>
    public static readonly DiagnosticDescriptor RopeBaseInvalid = Error(
        "TGPT021",
        "RopeBase is not above 1",
        "RopeBase = {0} must be a finite number above 1: position p turns pair i of a head by p·RopeBase^(−2i/HeadSize), and a base of 1 or less turns every position alike");

    /// <summary>{0} the property (and enum) name, {1} the number given, {2} the defined values.</summary>
    public static readonly DiagnosticDescriptor OptionUndefined = Error(
        "TGPT022",
        "An architecture option is not a defined enum value",
        "{0} = {1} is not a TinyGpt.{0} value: use {2}");

    /// <summary>{0} value.</summary>
    public static readonly DiagnosticDescriptor RopeBaseWithoutRotary = Error(
        "TGPT023",
        "RopeBase is set on a model without rotary positions",
        "RopeBase = {0} has no effect: it is the base of rotary position embeddings, and this model has Positions.Learned; set Positions = Positions.Rotary or remove RopeBase");

    // ---------------------------------------------------------------- shape analysis (TGPT101-112)
    // Warnings on TorchSharp calls whose shapes are certainly wrong; each message is one whole sentence
    // (operands' shapes, the rule, a hint), so the format is just that sentence.

    private static DiagnosticDescriptor ShapeWarning(string id, string title) =>
        new(id, title, "{0}", "TinyGpt.Shapes", DiagnosticSeverity.Warning, isEnabledByDefault: true,
            description: "The TinyGpt shape analyzer follows tensor shapes through TorchSharp code and warns only when a call is certain to fail.");

    public static readonly DiagnosticDescriptor ShapeMatmul = ShapeWarning(
        "TGPT101", "Matrix product of shapes that do not multiply");

    public static readonly DiagnosticDescriptor ShapeViewSize = ShapeWarning(
        "TGPT102", "view or reshape to a different number of elements");

    public static readonly DiagnosticDescriptor ShapeBroadcast = ShapeWarning(
        "TGPT103", "Element-wise operation on shapes that do not broadcast");

    public static readonly DiagnosticDescriptor ShapeMaskedFill = ShapeWarning(
        "TGPT104", "masked_fill with a mask that does not broadcast to the tensor");

    public static readonly DiagnosticDescriptor ShapeDimOutOfRange = ShapeWarning(
        "TGPT105", "Dimension out of range");

    public static readonly DiagnosticDescriptor ShapeLinear = ShapeWarning(
        "TGPT106", "Linear applied to a tensor of another width");

    public static readonly DiagnosticDescriptor ShapeEmbedding = ShapeWarning(
        "TGPT107", "Embedding applied to ids that are not integers");

    public static readonly DiagnosticDescriptor ShapeLayerNorm = ShapeWarning(
        "TGPT108", "LayerNorm applied to a tensor of another width");

    public static readonly DiagnosticDescriptor ShapeConcatenation = ShapeWarning(
        "TGPT109", "cat or stack of tensors whose shapes do not fit together");

    public static readonly DiagnosticDescriptor ShapeCrossEntropy = ShapeWarning(
        "TGPT110", "cross_entropy of logits and targets whose shapes do not match");

    public static readonly DiagnosticDescriptor ShapeNarrow = ShapeWarning(
        "TGPT111", "narrow past the end of a dimension");

    public static readonly DiagnosticDescriptor ShapeGptInput = ShapeWarning(
        "TGPT112", "A [Gpt] model's forward given ids its guard rejects");
}

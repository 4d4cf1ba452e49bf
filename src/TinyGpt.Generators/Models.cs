namespace TinyGpt.Generators;

/// <summary>
/// What the parser read from one <c>[Gpt]</c> class: plain values only (no symbols, syntax or
/// locations), so the incremental pipeline can compare it by value. It may describe an invalid
/// model; <see cref="GptGenerator.Validate"/> decides.
/// </summary>
/// <param name="ClassName">The class name as written, without <c>@</c>.</param>
/// <param name="Namespace">Dotted namespace with keywords escaped, or null for the global namespace.</param>
/// <param name="ContainingTypes">Enclosing types, outermost first.</param>
/// <param name="IsPartial">Every declaration of the class has the <c>partial</c> modifier.</param>
/// <param name="IsGeneric">The class declares type parameters.</param>
/// <param name="IsRecord">The class is a <c>record</c>.</param>
/// <param name="IsStatic">The class is <c>static</c>.</param>
/// <param name="IsFileLocal">The class, or a type containing it, is <c>file</c>-local.</param>
/// <param name="ClashingMembers">
/// Members the user declared that the generator declares too (by name; <c>.ctor</c> for a parameterless constructor).
/// </param>
/// <param name="BaseClassName">An explicit base class (other than <c>object</c> and <c>TinyGpt.LanguageModel</c>), or null.</param>
/// <param name="Layers">Null when the argument is missing.</param>
/// <param name="Heads">Null when the argument is missing.</param>
/// <param name="Embd">Null when the argument is missing.</param>
/// <param name="BlockSize">The attribute's value or its default.</param>
/// <param name="VocabSize">The attribute's value or its default.</param>
/// <param name="Dropout">The attribute's value or its default.</param>
/// <param name="Bias">The attribute's value or its default.</param>
/// <param name="TieWeights">The attribute's value or its default.</param>
/// <param name="HasCompilerErrors">
/// The C# compiler already reports an error here (an argument without a usable constant, an unknown
/// base type, a constructor argument): the declaration is skipped without a TGPT diagnostic of its own.
/// </param>
/// <param name="Precision">The attribute's <c>TinyGpt.Precision</c> as its underlying number (possibly undefined), or its default 0.</param>
/// <param name="Options">The architecture options (activation, norm, positions, …) as written.</param>
internal sealed record GptDeclaration(
    string ClassName,
    string? Namespace,
    EquatableArray<ContainingTypeInfo> ContainingTypes,
    bool IsPartial,
    bool IsGeneric,
    bool IsRecord,
    bool IsStatic,
    bool IsFileLocal,
    EquatableArray<string> ClashingMembers,
    string? BaseClassName,
    int? Layers,
    int? Heads,
    int? Embd,
    int BlockSize,
    int VocabSize,
    double Dropout,
    bool Bias,
    bool TieWeights,
    bool HasCompilerErrors,
    int Precision = 0,
    DeclaredOptions? Options = null);

/// <summary>
/// The architecture options of a <c>[Gpt]</c> attribute as written: enums as their underlying numbers (possibly
/// undefined), null for what the attribute leaves to another property (KvHeads → Heads, QkvBias → Bias,
/// MlpHidden → 4·Embd) or did not set (RopeBase).
/// </summary>
internal sealed record DeclaredOptions(
    int Activation = 0,
    int Norm = 0,
    bool NormWeights = true,
    int Positions = 0,
    double? RopeBase = null,
    int? KvHeads = null,
    bool QkNorm = false,
    bool EmbeddingNorm = false,
    double LogitSoftcap = 0,
    bool? QkvBias = null,
    bool LmHeadBias = false,
    int? MlpHidden = null)
{
    /// <summary>nanoGPT's choices, what an attribute without options means.</summary>
    public static readonly DeclaredOptions Defaults = new();
}

/// <summary>A type that encloses a <c>[Gpt]</c> class; the emitter re-declares it as <c>partial</c>.</summary>
/// <param name="Keyword">The declaration keyword(s): <c>class</c>, <c>struct</c>, <c>record</c>, <c>record struct</c>, <c>interface</c>.</param>
/// <param name="Name">The name as written, without <c>@</c>.</param>
/// <param name="TypeParameters">Type parameter names (escaped), empty when not generic.</param>
/// <param name="IsPartial">Every declaration of the type has the <c>partial</c> modifier.</param>
internal sealed record ContainingTypeInfo(
    string Keyword,
    string Name,
    EquatableArray<string> TypeParameters,
    bool IsPartial);

/// <summary>Where a generated class goes: the user's <c>[Gpt]</c> class, in its namespace and containing types.</summary>
internal interface IGeneratedClass
{
    /// <summary>The class name as written, without <c>@</c>.</summary>
    string ClassName { get; }

    /// <summary>Dotted namespace with keywords escaped, or null for the global namespace.</summary>
    string? Namespace { get; }

    /// <summary>Enclosing types, outermost first.</summary>
    EquatableArray<ContainingTypeInfo> ContainingTypes { get; }
}

/// <summary>A valid model, ready to emit: the hyperparameters and what follows from them.</summary>
internal sealed record GptModel(
    string ClassName,
    string? Namespace,
    EquatableArray<ContainingTypeInfo> ContainingTypes,
    int Layers,
    int Heads,
    int Embd,
    int BlockSize,
    int VocabSize,
    double Dropout,
    bool Bias,
    bool TieWeights,
    ParameterBreakdown Parameters,
    long FlopsPerToken,
    ComputePrecision Precision = ComputePrecision.Float32,
    Architecture? Options = null) : IGeneratedClass
{
    /// <summary>Width of one head, <c>Embd / Heads</c>.</summary>
    public int HeadSize => Embd / Heads;

    /// <summary>The architecture options, resolved (nanoGPT's when the attribute sets none).</summary>
    public Architecture Arch => Options ?? Architecture.NanoGpt(Heads, Embd, Bias);
}

/// <summary>
/// The resolved architecture options of a valid model: every option has its value (KvHeads, QkvBias and
/// MlpHidden filled in from Heads, Bias and Embd).
/// </summary>
internal sealed record Architecture(
    MlpActivation Activation,
    NormKind Norm,
    bool NormWeights,
    PositionKind Positions,
    double RopeBase,
    int KvHeads,
    bool QkNorm,
    bool EmbeddingNorm,
    double LogitSoftcap,
    bool QkvBias,
    bool LmHeadBias,
    long MlpHidden)
{
    /// <summary>The default rotary base (<c>GptAttribute.RopeBase</c>).</summary>
    public const double DefaultRopeBase = 10000;

    /// <summary>nanoGPT's architecture for the given sizes: what every option defaults to.</summary>
    public static Architecture NanoGpt(int heads, int embd, bool bias) => new(
        MlpActivation.Gelu, NormKind.LayerNorm, NormWeights: true, PositionKind.Learned, DefaultRopeBase,
        KvHeads: heads, QkNorm: false, EmbeddingNorm: false, LogitSoftcap: 0, QkvBias: bias, LmHeadBias: false,
        MlpHidden: 4L * embd);

    /// <summary>Learned position embeddings (<c>transformer.wpe</c>).</summary>
    public bool Learned => Positions == PositionKind.Learned;

    /// <summary>Rotary position embeddings on q and k.</summary>
    public bool Rotary => Positions == PositionKind.Rotary;

    /// <summary>
    /// The lecture's <c>gpt.py</c> family (ReLU and learned positions): no embedding dropout, and N(0, 0.02) for
    /// every weight, residual projections too.
    /// </summary>
    public bool IsLecture => Activation == MlpActivation.Relu && Learned;

    /// <summary>Grouped-query attention: fewer key/value heads than query heads.</summary>
    public bool Grouped(int heads) => KvHeads != heads;
}

/// <summary>
/// A stand-in for a <c>[Gpt]</c> class whose shape is sound but whose hyperparameters are not: it
/// derives from <c>TinyGpt.LanguageModel</c> and throws, so code that uses the class still compiles.
/// </summary>
/// <param name="Errors">The declaration's TGPT errors, in the analyzer's order and words.</param>
internal sealed record GptFallback(
    string ClassName,
    string? Namespace,
    EquatableArray<ContainingTypeInfo> ContainingTypes,
    EquatableArray<ReportedError> Errors) : IGeneratedClass;

/// <summary>What the generator writes for one declaration: the model, or else the fallback, or neither (a class of the wrong shape).</summary>
internal sealed record GeneratedOutput(GptModel? Model, GptFallback? Fallback);

/// <summary>One TGPT error as the analyzer reports it: <c>TGPT004</c> and its formatted message.</summary>
internal sealed record ReportedError(string Id, string Message);

/// <summary>Parameter counts per part of the model (a tied LM head counts 0: it is the token embedding).</summary>
internal sealed record ParameterBreakdown(
    long TokenEmbedding,
    long PositionEmbedding,
    long PerBlock,
    long FinalNorm,
    long LmHead,
    long Total,
    long EmbeddingNorm = 0);

/// <summary>
/// Where a validation problem points: the analyzer turns this into a source location. Problems on the
/// attribute or an argument are bad values, which a fallback can stand in for; the others are the shape
/// of the class, where no generated part would compile.
/// </summary>
internal enum ProblemTarget
{
    /// <summary>The whole attribute, e.g. <c>Gpt(Layers = 4)</c> for a missing argument.</summary>
    Attribute,

    /// <summary>One named argument of the attribute (<see cref="Problem.ArgumentName"/>).</summary>
    Argument,

    /// <summary>The class identifier.</summary>
    ClassName,

    /// <summary>The explicit base class in the base list.</summary>
    BaseClass,

    /// <summary>A member the user declared that the generator also declares (<see cref="Problem.ArgumentName"/> is its name).</summary>
    Member,

    /// <summary>The identifier of a containing type (<see cref="Problem.ContainingTypeDepth"/>, 0 = outermost).</summary>
    ContainingType,
}

/// <summary>One reason a declaration cannot become a model, with its message arguments.</summary>
internal sealed record Problem(
    Microsoft.CodeAnalysis.DiagnosticDescriptor Descriptor,
    ProblemTarget Target,
    string? ArgumentName,
    int ContainingTypeDepth,
    EquatableArray<string> MessageArguments);

/// <summary>
/// The generator's mirror of <c>TinyGpt.Precision</c> (the generator cannot reference the runtime; a test
/// checks that names and values agree).
/// </summary>
internal enum ComputePrecision
{
    /// <summary>Everything in float32.</summary>
    Float32 = 0,

    /// <summary>Linear layers in bfloat16 on casts of the float32 weights; attention, norms and loss in float32.</summary>
    BFloat16 = 1,
}

/// <summary>The generator's mirror of <c>TinyGpt.Activation</c> (a test checks that names and values agree).</summary>
internal enum MlpActivation
{
    /// <summary>Exact GELU (nanoGPT).</summary>
    Gelu = 0,

    /// <summary>ReLU (the lecture).</summary>
    Relu = 1,

    /// <summary>relu(x)² (nanochat).</summary>
    ReluSquared = 2,

    /// <summary>silu(x·W₁)·(x·W₃), then W₂ (Llama).</summary>
    SwiGlu = 3,
}

/// <summary>The generator's mirror of <c>TinyGpt.Norm</c>.</summary>
internal enum NormKind
{
    /// <summary>LayerNorm, eps 1e-5.</summary>
    LayerNorm = 0,

    /// <summary>RMSNorm, eps the float32 machine epsilon.</summary>
    RmsNorm = 1,
}

/// <summary>The generator's mirror of <c>TinyGpt.Positions</c>.</summary>
internal enum PositionKind
{
    /// <summary>Learned position embeddings.</summary>
    Learned = 0,

    /// <summary>Rotary position embeddings.</summary>
    Rotary = 1,
}

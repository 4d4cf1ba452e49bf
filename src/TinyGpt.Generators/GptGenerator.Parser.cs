using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TinyGpt.Generators;

public sealed partial class GptGenerator
{
    /// <summary>The attribute the generator looks for.</summary>
    internal const string AttributeMetadataName = "TinyGpt.GptAttribute";

    private const string LanguageModelName = "TinyGpt.LanguageModel";

    // The defaults of TinyGpt.GptAttribute (the generator cannot reference the runtime; a test checks they agree).
    internal const int DefaultBlockSize = 256;
    internal const int DefaultVocabSize = 65;
    internal const double DefaultDropout = 0.0;
    internal const bool DefaultBias = false;
    internal const bool DefaultTieWeights = true;
    internal const int DefaultPrecision = (int)ComputePrecision.Float32;

    /// <summary>
    /// The generator's transform. A class can carry <c>[Gpt]</c> on more than one partial declaration
    /// (the compiler reports CS0579); only the declaration holding the first one yields a declaration,
    /// so every class is emitted once.
    /// </summary>
    private static GptDeclaration? ParseTarget(GeneratorAttributeSyntaxContext target, CancellationToken cancellationToken)
    {
        if (target.TargetSymbol is not INamedTypeSymbol type || target.Attributes.IsDefaultOrEmpty)
            return null;
        var attribute = FirstGptAttribute(type, target.Attributes[0].AttributeClass);
        var owner = attribute?.ApplicationSyntaxReference?.GetSyntax(cancellationToken).Parent?.Parent;
        if (attribute is null || owner is null
            || owner.SyntaxTree != target.TargetNode.SyntaxTree || owner.Span != target.TargetNode.Span)
            return null;
        return Parse(type, attribute, cancellationToken);
    }

    /// <summary>The first <c>[Gpt]</c> attribute of <paramref name="type"/>, across all its declarations.</summary>
    internal static AttributeData? FirstGptAttribute(INamedTypeSymbol type, INamedTypeSymbol? gptAttribute) =>
        gptAttribute is null
            ? null
            : type.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, gptAttribute));

    /// <summary>Reads a <c>[Gpt]</c> class into plain values. Pure; never throws on bad input.</summary>
    internal static GptDeclaration Parse(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken)
    {
        var compilerErrors = attribute.AttributeConstructor is null
            || !attribute.ConstructorArguments.IsEmpty
            || type.BaseType is IErrorTypeSymbol;

        int? layers = null, heads = null, embd = null;
        int blockSize = DefaultBlockSize, vocabSize = DefaultVocabSize;
        double dropout = DefaultDropout;
        bool bias = DefaultBias, tieWeights = DefaultTieWeights;
        int precision = DefaultPrecision;
        var o = DeclaredOptions.Defaults;
        int activation = o.Activation, norm = o.Norm, positions = o.Positions;
        bool normWeights = o.NormWeights, qkNorm = o.QkNorm, embeddingNorm = o.EmbeddingNorm, lmHeadBias = o.LmHeadBias;
        double logitSoftcap = o.LogitSoftcap;
        double? ropeBase = null;
        int? kvHeads = null, mlpHidden = null;
        bool? qkvBias = null;
        foreach (var argument in attribute.NamedArguments)
        {
            var value = argument.Value.Kind == TypedConstantKind.Error ? null : argument.Value.Value;
            var readable = argument.Key switch
            {
                "Layers" => TryRead(value, ref layers),
                "Heads" => TryRead(value, ref heads),
                "Embd" => TryRead(value, ref embd),
                "BlockSize" => TryRead(value, ref blockSize),
                "VocabSize" => TryRead(value, ref vocabSize),
                "Dropout" => TryRead(value, ref dropout),
                "Bias" => TryRead(value, ref bias),
                "TieWeights" => TryRead(value, ref tieWeights),
                "Precision" => TryRead(value, ref precision),   // an enum constant reads as its underlying int
                "Activation" => TryRead(value, ref activation),
                "Norm" => TryRead(value, ref norm),
                "NormWeights" => TryRead(value, ref normWeights),
                "Positions" => TryRead(value, ref positions),
                "RopeBase" => TryReadNumber(value, ref ropeBase),
                "KvHeads" => TryRead(value, ref kvHeads),
                "QkNorm" => TryRead(value, ref qkNorm),
                "EmbeddingNorm" => TryRead(value, ref embeddingNorm),
                "LogitSoftcap" => TryRead(value, ref logitSoftcap),
                "QkvBias" => TryRead(value, ref qkvBias),
                "LmHeadBias" => TryRead(value, ref lmHeadBias),
                "MlpHidden" => TryRead(value, ref mlpHidden),
                _ => false,
            };
            compilerErrors |= !readable;
        }

        var baseType = type.BaseType;
        var hasBaseClass = baseType is not null
            && baseType.SpecialType != SpecialType.System_Object
            && baseType.ToDisplayString() != LanguageModelName;

        return new GptDeclaration(
            ClassName: type.Name,
            Namespace: NamespaceOf(type),
            ContainingTypes: ContainingTypesOf(type, cancellationToken),
            IsPartial: IsPartial(type, cancellationToken),
            IsGeneric: type.TypeParameters.Length > 0,
            IsRecord: type.IsRecord,
            IsStatic: type.IsStatic,
            IsFileLocal: IsFileLocal(type),
            ClashingMembers: new EquatableArray<string>(UserMembers(type)
                .Where(Clashes)
                .Select(member => member.Name)
                .Distinct()),
            BaseClassName: hasBaseClass ? baseType!.ToDisplayString() : null,
            Layers: layers,
            Heads: heads,
            Embd: embd,
            BlockSize: blockSize,
            VocabSize: vocabSize,
            Dropout: dropout,
            Bias: bias,
            TieWeights: tieWeights,
            HasCompilerErrors: compilerErrors,
            Precision: precision,
            Options: new DeclaredOptions(activation, norm, normWeights, positions, ropeBase, kvHeads, qkNorm,
                embeddingNorm, logitSoftcap, qkvBias, lmHeadBias, mlpHidden));
    }

    private static bool TryReadNumber(object? value, ref double? target)
    {
        double read = 0;
        var ok = TryRead(value, ref read);
        if (ok) target = read;
        return ok;
    }

    private static bool TryRead(object? value, ref bool? target)
    {
        bool read = false;
        var ok = TryRead(value, ref read);
        if (ok) target = read;
        return ok;
    }

    private static bool TryRead(object? value, ref int? target)
    {
        int read = 0;
        var ok = TryRead(value, ref read);
        if (ok) target = read;
        return ok;
    }

    private static bool TryRead<T>(object? value, ref T target)
    {
        if (value is not T typed) return false;
        target = typed;
        return true;
    }

    private static string? NamespaceOf(INamedTypeSymbol type)
    {
        var parts = new List<string>();
        for (var ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
            parts.Insert(0, Escape(ns.Name));
        return parts.Count == 0 ? null : string.Join(".", parts);
    }

    private static EquatableArray<ContainingTypeInfo> ContainingTypesOf(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var types = new List<ContainingTypeInfo>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            types.Insert(0, new ContainingTypeInfo(
                Keyword: KeywordOf(outer),
                Name: outer.Name,
                TypeParameters: new EquatableArray<string>(outer.TypeParameters.Select(p => Escape(p.Name))),
                IsPartial: IsPartial(outer, cancellationToken)));
        }
        return new EquatableArray<ContainingTypeInfo>(types);
    }

    /// <summary>
    /// The members declared in the user's own files. When the analyzer runs, the compilation also holds
    /// the generated part of the class, whose members are not the user's.
    /// </summary>
    internal static IEnumerable<ISymbol> UserMembers(INamedTypeSymbol type) =>
        type.GetMembers().Where(member => !member.IsImplicitlyDeclared && member.Locations.Any(IsUserSource));

    internal static bool IsUserSource(Location location) =>
        location.IsInSource
        && !location.SourceTree!.FilePath.EndsWith(".Gpt.g.cs", System.StringComparison.Ordinal)
        && !location.SourceTree.FilePath.EndsWith(".KvCache.g.cs", System.StringComparison.Ordinal);

    /// <summary>
    /// Whether the generated class declares a member that <paramref name="member"/> would collide with.
    /// Overloads of <c>forward</c> are welcome; a second parameterless constructor is not.
    /// </summary>
    private static bool Clashes(ISymbol member) => member switch
    {
        IMethodSymbol { MethodKind: MethodKind.Constructor, Parameters.Length: 0, IsStatic: false } => true,
        IMethodSymbol { MethodKind: MethodKind.Ordinary, Name: "forward" } => false,
        _ => GeneratedMemberNames.Contains(member.Name),
    };

    private static bool IsFileLocal(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            if (t.IsFileLocal)
                return true;
        return false;
    }

    private static string KeywordOf(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct, IsRefLikeType: true } => "ref struct",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };

    /// <summary>True when every declaration of <paramref name="type"/> says <c>partial</c>.</summary>
    private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken) =>
        type.DeclaringSyntaxReferences.All(reference =>
            reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration
            && declaration.Modifiers.Any(SyntaxKind.PartialKeyword));

    /// <summary>An identifier as C# source: keywords get an <c>@</c>.</summary>
    internal static string Escape(string identifier) =>
        SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier : identifier;
}

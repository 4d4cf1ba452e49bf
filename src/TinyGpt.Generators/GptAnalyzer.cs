using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TinyGpt.Generators;

/// <summary>
/// Reports why a <c>[Gpt]</c> class cannot become a model. It runs the generator's own parser and
/// validator, so the generator builds a model for exactly the classes this analyzer does not flag, and
/// points each error at the offending attribute argument or identifier.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class GptAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        DiagnosticDescriptors.RequiredArgumentMissing,
        DiagnosticDescriptors.SizeBelowOne,
        DiagnosticDescriptors.VocabSizeBelowTwo,
        DiagnosticDescriptors.EmbdNotDivisibleByHeads,
        DiagnosticDescriptors.DropoutOutOfRange,
        DiagnosticDescriptors.ModelTooLarge,
        DiagnosticDescriptors.ClassNotPartial,
        DiagnosticDescriptors.ClassIsGeneric,
        DiagnosticDescriptors.ClassHasBaseClass,
        DiagnosticDescriptors.ContainingTypeNotPartial,
        DiagnosticDescriptors.ClassIsStatic,
        DiagnosticDescriptors.ClassIsRecord,
        DiagnosticDescriptors.ClassNameClashes,
        DiagnosticDescriptors.ClassIsFileLocal,
        DiagnosticDescriptors.MemberClashes,
        DiagnosticDescriptors.PrecisionUndefined,
        DiagnosticDescriptors.KvHeadsInvalid,
        DiagnosticDescriptors.RotaryOddHeadSize,
        DiagnosticDescriptors.LogitSoftcapInvalid,
        DiagnosticDescriptors.MlpHiddenBelowOne,
        DiagnosticDescriptors.RopeBaseInvalid,
        DiagnosticDescriptors.OptionUndefined,
        DiagnosticDescriptors.RopeBaseWithoutRotary,
    ];

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var gptAttribute = start.Compilation.GetTypeByMetadataName(GptGenerator.AttributeMetadataName);
            if (gptAttribute is null)
                return;
            start.RegisterSymbolAction(symbol => Analyze(symbol, gptAttribute), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol gptAttribute)
    {
        // Structs, interfaces and enums get the compiler's CS0592 (the attribute is for classes only).
        if (context.Symbol is not INamedTypeSymbol { TypeKind: TypeKind.Class } type)
            return;
        var attribute = GptGenerator.FirstGptAttribute(type, gptAttribute);
        if (attribute?.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is not AttributeSyntax attributeSyntax)
            return;

        var declaration = GptGenerator.Parse(type, attribute, context.CancellationToken);
        GptGenerator.Validate(declaration, problem => context.ReportDiagnostic(Diagnostic.Create(
            problem.Descriptor,
            LocationOf(problem, type, attributeSyntax, context.CancellationToken),
            problem.MessageArguments.ToArray<object>())));
    }

    private static Location LocationOf(
        Problem problem, INamedTypeSymbol type, AttributeSyntax attribute, CancellationToken cancellationToken)
    {
        var declaration = attribute.Parent?.Parent as TypeDeclarationSyntax;
        var className = declaration?.Identifier.GetLocation() ?? attribute.GetLocation();
        switch (problem.Target)
        {
            case ProblemTarget.Argument:
                var argument = attribute.ArgumentList?.Arguments
                    .FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == problem.ArgumentName);
                return argument?.GetLocation() ?? attribute.GetLocation();
            case ProblemTarget.ClassName:
                return className;
            case ProblemTarget.BaseClass:
                return BaseClassSyntax(type, cancellationToken)?.GetLocation() ?? className;
            case ProblemTarget.Member:
                return GptGenerator.UserMembers(type)
                    .Where(member => member.Name == problem.ArgumentName)
                    .SelectMany(member => member.Locations)
                    .FirstOrDefault(GptGenerator.IsUserSource) ?? className;
            case ProblemTarget.ContainingType:
                var outermostFirst = new List<INamedTypeSymbol>();
                for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
                    outermostFirst.Insert(0, outer);
                return NonPartialIdentifier(outermostFirst[problem.ContainingTypeDepth], cancellationToken) ?? className;
            default:
                return attribute.GetLocation();
        }
    }

    /// <summary>The base-list entry that names the class's base class (matched by name: the analyzer needs no semantic model here).</summary>
    private static BaseTypeSyntax? BaseClassSyntax(INamedTypeSymbol type, CancellationToken cancellationToken) =>
        type.DeclaringSyntaxReferences
            .Select(reference => reference.GetSyntax(cancellationToken))
            .OfType<TypeDeclarationSyntax>()
            .Select(declaration => declaration.BaseList?.Types.FirstOrDefault())
            .FirstOrDefault(first => first is not null && RightmostName(first.Type) == type.BaseType?.Name);

    private static string? RightmostName(TypeSyntax type) => type switch
    {
        QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
        AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
        SimpleNameSyntax simple => simple.Identifier.ValueText,
        _ => null,
    };

    private static Location? NonPartialIdentifier(INamedTypeSymbol type, CancellationToken cancellationToken) =>
        type.DeclaringSyntaxReferences
            .Select(reference => reference.GetSyntax(cancellationToken))
            .OfType<TypeDeclarationSyntax>()
            .FirstOrDefault(d => !d.Modifiers.Any(Microsoft.CodeAnalysis.CSharp.SyntaxKind.PartialKeyword))
            ?.Identifier.GetLocation();
}

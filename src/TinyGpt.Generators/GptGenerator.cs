using Microsoft.CodeAnalysis;

namespace TinyGpt.Generators;

/// <summary>
/// Writes a nanoGPT-style TorchSharp module for every <c>partial class</c> marked <c>[Gpt(...)]</c>.
/// </summary>
/// <remarks>
/// The pipeline has three pure stages, each in its own file: the parser reads a declaration into a
/// value-equatable <see cref="GptDeclaration"/>; the validator (shared with <see cref="GptAnalyzer"/>,
/// which reports its problems as errors) turns it into a <see cref="GptModel"/> or rejects it; the
/// emitter writes the source. Rejected declarations produce no source, so the user sees the TGPT error
/// and nothing else. No stage holds a symbol, syntax node, location or compilation, and none throws.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed partial class GptGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var declarations = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeMetadataName,
                predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax,
                transform: static (target, cancellationToken) => ParseTarget(target, cancellationToken))
            .WithTrackingName(TrackingNames.Declarations);

        var models = declarations
            .Where(static declaration => declaration is not null)
            .WithTrackingName(TrackingNames.ParsedDeclarations)
            .Select(static (declaration, _) => Validate(declaration!))
            .WithTrackingName(TrackingNames.Models)
            .Where(static model => model is not null)
            .WithTrackingName(TrackingNames.ValidModels);

        context.RegisterSourceOutput(models, static (output, model) =>
            output.AddSource(HintName(model!), Emit(model!)));
    }
}

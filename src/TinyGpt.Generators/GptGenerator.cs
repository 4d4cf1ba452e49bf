using Microsoft.CodeAnalysis;

namespace TinyGpt.Generators;

/// <summary>
/// Writes a nanoGPT-style TorchSharp module for every <c>partial class</c> marked <c>[Gpt(...)]</c>.
/// </summary>
/// <remarks>
/// The pipeline has three pure stages, each in its own file: the parser reads a declaration into a
/// value-equatable <see cref="GptDeclaration"/>; the validator (shared with <see cref="GptAnalyzer"/>,
/// which reports its problems as errors) turns it into a <see cref="GptModel"/> or rejects it; the
/// emitter writes two sources (the model, and its KV-cache path in <c>…KvCache.g.cs</c>). A declaration rejected only for its values (TGPT001–006, TGPT016–023) gets a
/// <see cref="GptFallback"/> instead: a <c>TinyGpt.LanguageModel</c> whose constructor, <c>Config</c> and
/// <c>forward</c> throw with the TGPT message, so code that uses the class compiles and the user sees the
/// TGPT error and nothing else. A class of the wrong shape (not partial, generic, …) gets no source, since
/// no generated part of it could compile. No stage holds a symbol, syntax node, location or compilation,
/// and none throws.
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

        var parsed = declarations
            .Where(static declaration => declaration is not null)
            .WithTrackingName(TrackingNames.ParsedDeclarations);

        var outputs = parsed
            .Select(static (declaration, _) => Plan(declaration!))
            .WithTrackingName(TrackingNames.Outputs);

        var models = outputs
            .Select(static (output, _) => output.Model)
            .WithTrackingName(TrackingNames.Models)
            .Where(static model => model is not null)
            .WithTrackingName(TrackingNames.ValidModels);

        var fallbacks = outputs
            .Select(static (output, _) => output.Fallback)
            .WithTrackingName(TrackingNames.Fallbacks)
            .Where(static fallback => fallback is not null)
            .WithTrackingName(TrackingNames.NeededFallbacks);

        // Two sources per model, as a reader would split model.py: the model with one forward per module, and
        // its KV-cache inference path beside it.
        context.RegisterSourceOutput(models, static (output, model) =>
        {
            output.AddSource(HintName(model!), Emit(model!));
            output.AddSource(KvCacheHintName(model!), EmitKvCache(model!));
        });
        context.RegisterSourceOutput(fallbacks, static (output, fallback) =>
            output.AddSource(HintName(fallback!), EmitFallback(fallback!)));
    }
}

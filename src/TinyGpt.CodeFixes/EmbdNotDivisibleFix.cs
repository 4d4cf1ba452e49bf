using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TinyGpt.Generators;

namespace TinyGpt.CodeFixes;

/// <summary>TGPT004 (Embd not divisible by Heads): offers the nearest valid Embd values, nearest first.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EmbdNotDivisibleFix)), Shared]
public sealed class EmbdNotDivisibleFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticDescriptors.EmbdNotDivisibleByHeads.Id];

    /// <inheritdoc/>
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
            return;
        foreach (var diagnostic in context.Diagnostics)
        {
            var attribute = root.FindNode(diagnostic.Location.SourceSpan).AncestorsAndSelf().OfType<AttributeSyntax>().FirstOrDefault();
            var embd = Argument(attribute, "Embd");
            var heads = Argument(attribute, "Heads");
            if (embd is null || heads is null
                || model.GetConstantValue(embd.Expression, context.CancellationToken) is not { HasValue: true, Value: int embdValue }
                || model.GetConstantValue(heads.Expression, context.CancellationToken) is not { HasValue: true, Value: int headsValue and > 0 })
                continue;
            var (below, above) = GptGenerator.NearestValidEmbd(embdValue, headsValue);
            var candidates = below is { } b && embdValue - b <= above - embdValue ? new[] { b, above } : below is { } b2 ? [above, b2] : [above];
            foreach (var candidate in candidates)
            {
                if (candidate > int.MaxValue)
                    continue;
                var text = candidate.ToString(CultureInfo.InvariantCulture);
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Set Embd to {text} ({candidate / headsValue} per head)",
                        _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(
                            embd.Expression,
                            SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal((int)candidate))
                                .WithTriviaFrom(embd.Expression)))),
                        equivalenceKey: $"TGPT004:{text}"),
                    diagnostic);
            }
        }
    }

    private static AttributeArgumentSyntax? Argument(AttributeSyntax? attribute, string name) =>
        attribute?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);
}

using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TinyGpt.Generators;
using TinyGpt.Generators.ShapeAnalysis;

namespace TinyGpt.CodeFixes;

/// <summary>
/// TGPT101 where the analyzer proved that transposing the second operand's last two dims makes the
/// product valid (attention scores q·k written without kᵀ): writes <c>k.transpose(-2, -1)</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MissingTransposeFix)), Shared]
public sealed class MissingTransposeFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticDescriptors.ShapeMatmul.Id];

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
            return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.ContainsKey(ShapeProblem.TransposeSecondFix) || diagnostic.AdditionalLocations.Count == 0)
                continue;
            var node = root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true);
            if ((node is ArgumentSyntax argument ? argument.Expression : node) is not ExpressionSyntax target)
                continue;
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Transpose '{target}': {target}.transpose(-2, -1)",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(target, Transposed(target)))),
                    equivalenceKey: "TGPT101:transpose"),
                diagnostic);
        }
    }

    private static ExpressionSyntax Transposed(ExpressionSyntax operand)
    {
        var receiver = operand is IdentifierNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax
            or ElementAccessExpressionSyntax or ParenthesizedExpressionSyntax
            ? operand.WithoutTrivia()
            : SyntaxFactory.ParenthesizedExpression(operand.WithoutTrivia());
        return SyntaxFactory.ParseExpression($"{receiver}.transpose(-2, -1)").WithTriviaFrom(operand);
    }
}

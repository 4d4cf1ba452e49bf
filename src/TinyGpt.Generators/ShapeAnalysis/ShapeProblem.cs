using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace TinyGpt.Generators.ShapeAnalysis;

/// <summary>One proven shape error: which rule, where, the whole sentence, and what a code fix needs.</summary>
internal sealed record ShapeProblem(
    DiagnosticDescriptor Descriptor,
    SyntaxNode Node,
    string Message,
    ImmutableDictionary<string, string?> Properties,
    SyntaxNode? Related = null)
{
    /// <summary>Set on TGPT101 when transposing the second operand's last two dims makes the product valid.</summary>
    public const string TransposeSecondFix = "TransposeSecond";

    public Diagnostic ToDiagnostic() => Diagnostic.Create(
        Descriptor,
        Node.GetLocation(),
        Related is null ? null : [Related.GetLocation()],
        Properties,
        Message);
}

using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace TinyGpt.Generators.ShapeAnalysis;

/// <summary>
/// What a type's own fields and properties hold (e.g. <c>Linear c_attn</c>), learned from every
/// assignment the type makes to them. A member counts only when no code outside the type can assign it
/// (readonly, get-only, or private in a type without nested types) and every assignment agrees.
/// </summary>
internal sealed class FieldValues
{
    private readonly Dictionary<ISymbol, AbstractValue?> values = new(SymbolEqualityComparer.Default);

    public FieldValues(INamedTypeSymbol type, IEnumerable<(ISymbol Member, AbstractValue? Value)> writes, bool tensorsMayChangeShape)
    {
        foreach (var (member, value) in writes)
        {
            var key = member is IPropertySymbol property ? property.OriginalDefinition : member.OriginalDefinition;
            if (!SymbolEqualityComparer.Default.Equals(key.ContainingType, type) || !OnlyTheTypeWrites(key, type))
                continue;
            var known = tensorsMayChangeShape && value is TensorValue ? null : value;
            values[key] = values.TryGetValue(key, out var earlier) ? AbstractValue.Join(earlier, known) : known;
        }
    }

    /// <summary>An empty table: no member is known.</summary>
    public FieldValues() { }

    public bool IsKnown(ISymbol member) => ValueOf(member) is not null;

    public AbstractValue? ValueOf(ISymbol member) =>
        values.TryGetValue(member.OriginalDefinition, out var value) ? value : null;

    private static bool OnlyTheTypeWrites(ISymbol member, INamedTypeSymbol type)
    {
        var noNestedTypes = type.GetTypeMembers().IsEmpty;
        return member switch
        {
            IFieldSymbol field => !field.IsStatic && (field.IsReadOnly || (field.DeclaredAccessibility == Accessibility.Private && noNestedTypes)),
            IPropertySymbol property => !property.IsStatic && !property.IsIndexer && IsAutoProperty(property)
                && (property.SetMethod is null
                    || (property.SetMethod is { IsInitOnly: false, DeclaredAccessibility: Accessibility.Private } && noNestedTypes)),
            _ => false,
        };
    }

    private static bool IsAutoProperty(IPropertySymbol property) =>
        property.ContainingType.GetMembers().OfType<IFieldSymbol>()
            .Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property));
}

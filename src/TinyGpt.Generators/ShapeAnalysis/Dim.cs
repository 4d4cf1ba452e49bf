using System;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;

namespace TinyGpt.Generators.ShapeAnalysis;

/// <summary>
/// A size the analyzer does not know, such as the batch size read from <c>x.shape[0]</c>. Two reads of
/// the same size share one symbol, so <c>[B, T]</c> against <c>[B, T]</c> is provably equal.
/// </summary>
internal sealed class DimSymbol
{
    private static int nextId;

    public DimSymbol(string name)
    {
        Id = System.Threading.Interlocked.Increment(ref nextId);
        Name = name;
    }

    public int Id { get; }

    /// <summary>How messages print it: the local it was stored in (<c>B</c>), else where it was read.</summary>
    public string Name { get; set; }
}

/// <summary>
/// One dimension: a coefficient times a product of unknown sizes (<c>4</c>, <c>T</c>, <c>B*T</c>, <c>3*C</c>).
/// Unknown sizes are taken to be at least 1 (a size read from a tensor of real code), which is what lets
/// <c>2*T</c> be provably unequal to <c>T</c>; nothing else about them is assumed.
/// </summary>
internal sealed class Dim : IEquatable<Dim>
{
    private Dim(long coefficient, ImmutableArray<DimSymbol> symbols)
    {
        Coefficient = coefficient;
        Symbols = symbols;
    }

    public long Coefficient { get; }

    /// <summary>Sorted by id; a symbol may repeat (T*T).</summary>
    public ImmutableArray<DimSymbol> Symbols { get; }

    public bool IsKnown => Symbols.IsEmpty;

    /// <summary>The value, when the dimension is a plain number.</summary>
    public long? Value => IsKnown ? Coefficient : null;

    public static Dim Of(long value) => new(value, ImmutableArray<DimSymbol>.Empty);

    public static Dim Of(DimSymbol symbol) => new(1, ImmutableArray.Create(symbol));

    /// <summary>A size nothing is known about.</summary>
    public static Dim Fresh(string name = "?") => Of(new DimSymbol(name));

    public static readonly Dim One = Of(1);

    /// <summary>Could this be 1? Only if its coefficient is 1 (the unknown sizes are at least 1).</summary>
    public bool CouldBeOne => Coefficient == 1;

    /// <summary>True only when the two are certainly different: the same unknowns with different coefficients.</summary>
    public static bool ProvablyDiffer(Dim a, Dim b) => SameSymbols(a, b) && a.Coefficient != b.Coefficient;

    public static bool SameSymbols(Dim a, Dim b) =>
        a.Symbols.Length == b.Symbols.Length && a.Symbols.Zip(b.Symbols, (x, y) => x == y).All(same => same);

    public Dim? Times(Dim other)
    {
        long coefficient;
        try { coefficient = checked(Coefficient * other.Coefficient); }
        catch (OverflowException) { return null; }
        if (coefficient == 0)
            return Of(0);
        return new Dim(coefficient, Symbols.AddRange(other.Symbols).Sort((x, y) => x.Id.CompareTo(y.Id)));
    }

    /// <summary>This / <paramref name="divisor"/> when it divides exactly as a monomial, else null (not known).</summary>
    public Dim? DividedBy(Dim divisor)
    {
        if (divisor.Coefficient == 0 || Coefficient % divisor.Coefficient != 0)
            return null;
        var rest = Symbols.ToBuilder();
        foreach (var symbol in divisor.Symbols)
            if (!rest.Remove(symbol))
                return null;
        return new Dim(Coefficient / divisor.Coefficient, rest.ToImmutable());
    }

    public bool Equals(Dim? other) => other is not null && other.Coefficient == Coefficient && SameSymbols(this, other);

    public override bool Equals(object? obj) => Equals(obj as Dim);

    public override int GetHashCode() => Coefficient.GetHashCode() ^ Symbols.Length;

    public override string ToString()
    {
        if (IsKnown)
            return Coefficient.ToString(CultureInfo.InvariantCulture);
        var text = new StringBuilder();
        if (Coefficient != 1)
            text.Append(Coefficient.ToString(CultureInfo.InvariantCulture)).Append('*');
        text.Append(string.Join("*", Symbols.Select(s => s.Name)));
        return text.ToString();
    }

    /// <summary>A number as messages print it, with thousands separators (2,048).</summary>
    public static string Format(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

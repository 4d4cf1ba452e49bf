using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace TinyGpt.Generators.ShapeAnalysis;

/// <summary>
/// The shape rules of the operations the analyzer follows (PyTorch's), over partly known shapes. Each
/// check reports a problem only when it is certain; otherwise it returns what the result's shape
/// must be if the operation succeeds.
/// </summary>
internal static class Shapes
{
    public static string Format(ImmutableArray<Dim>? shape) =>
        shape is { } dims ? "[" + string.Join(", ", dims.Select(d => d.ToString())) + "]" : "[?]";

    public static string Format(TensorValue? tensor) => Format(tensor?.Shape);

    public static string Lower(DType dtype) => dtype.ToString().ToLowerInvariant();

    public static bool IsFloating(DType dtype) =>
        dtype is DType.Float16 or DType.Float32 or DType.Float64 or DType.BFloat16;

    public static bool IsInteger(DType dtype) =>
        dtype is DType.UInt8 or DType.Int8 or DType.Int16 or DType.Int32 or DType.Int64;

    /// <summary>The dim a (possibly negative) index names in a tensor of <paramref name="rank"/>, or null when out of range.</summary>
    /// <remarks>As PyTorch: a 0-d tensor accepts dims -1 and 0.</remarks>
    public static int? Normalize(long dim, int rank)
    {
        var wrap = rank == 0 ? 1 : rank;
        if (dim < -wrap || dim >= wrap)
            return null;
        return (int)(dim < 0 ? dim + wrap : dim);
    }

    public static string DimRange(int rank)
    {
        var wrap = rank == 0 ? 1 : rank;
        return $"[{-wrap}, {wrap - 1}]";
    }

    /// <summary>The product of the sizes, or null when it overflows.</summary>
    public static Dim? Elements(IEnumerable<Dim> dims)
    {
        var product = Dim.One;
        foreach (var dim in dims)
        {
            product = product.Times(dim);
            if (product is null)
                return null;
        }
        return product;
    }

    /// <summary>Broadcasts two shapes (PyTorch's rule: aligned from the right, sizes equal or 1).</summary>
    /// <param name="conflict">When they certainly do not broadcast: the dim (from the right, 1-based) and both sizes.</param>
    public static ImmutableArray<Dim>? Broadcast(ImmutableArray<Dim> a, ImmutableArray<Dim> b, out (int FromRight, Dim A, Dim B)? conflict)
    {
        conflict = null;
        var rank = System.Math.Max(a.Length, b.Length);
        var result = new Dim[rank];
        for (var i = 1; i <= rank; i++)
        {
            var x = i <= a.Length ? a[a.Length - i] : Dim.One;
            var y = i <= b.Length ? b[b.Length - i] : Dim.One;
            Dim merged;
            if (x.Equals(y)) merged = x;
            else if (x.Value == 1) merged = y;
            else if (y.Value == 1) merged = x;
            else if (!x.CouldBeOne && !y.CouldBeOne && Dim.ProvablyDiffer(x, y))
            {
                conflict = (i, x, y);
                return null;
            }
            // One of them is unknown: if the operation succeeds it has the known size (or is 1 beside it).
            else if (x.IsKnown) merged = x;
            else if (y.IsKnown) merged = y;
            else merged = Dim.Fresh();
            result[rank - i] = merged;
        }
        return result.ToImmutableArray();
    }

    /// <summary>Describes a broadcast conflict: "dimension -1 is 16 in one and 8 in the other".</summary>
    public static string Conflict((int FromRight, Dim A, Dim B) conflict) =>
        $"their dimension {-conflict.FromRight} is {conflict.A} and {conflict.B}, neither 1, so they do not broadcast";

    public static ImmutableArray<Dim> Without(ImmutableArray<Dim> shape, int index) => shape.RemoveAt(index);
}

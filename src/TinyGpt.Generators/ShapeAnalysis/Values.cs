using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace TinyGpt.Generators.ShapeAnalysis;

/// <summary>What the analyzer knows about a value; null everywhere means "nothing".</summary>
internal abstract class AbstractValue
{
    /// <summary>The value two branches agree on, or null.</summary>
    public static AbstractValue? Join(AbstractValue? a, AbstractValue? b)
    {
        if (ReferenceEquals(a, b))
            return a;
        switch (a, b)
        {
            case (IntValue x, IntValue y):
                return x.Dim.Equals(y.Dim) ? x : null;
            case (TensorValue x, TensorValue y):
                var dtype = x.DType == y.DType ? x.DType : null;
                if (x.Shape is not { } xs || y.Shape is not { } ys || xs.Length != ys.Length)
                    return new TensorValue(null, dtype);
                // Same rank: keep the dimensions both branches agree on; the others become unknown.
                return new TensorValue(xs.Zip(ys, (p, q) => p.Equals(q) ? p : Dim.Fresh()).ToImmutableArray(), dtype);
            case (ModuleValue x, ModuleValue y):
                return x.Equals(y) ? x : null;
            case (DTypeValue x, DTypeValue y):
                return x.DType == y.DType ? x : null;
            default:
                return null;
        }
    }
}

/// <summary>An integer (a size, a dim, an index).</summary>
internal sealed class IntValue(Dim dim) : AbstractValue
{
    public Dim Dim { get; } = dim;
}

/// <summary>A dtype such as <c>ScalarType.Int64</c>.</summary>
internal sealed class DTypeValue(DType dtype) : AbstractValue
{
    public DType DType { get; } = dtype;
}

/// <summary>A list of sizes: <c>x.shape</c>, <c>new long[] { B, T }</c>, a params array.</summary>
internal sealed class SizesValue(ImmutableArray<IntValue?> items, TensorValue? shapeOf = null) : AbstractValue
{
    /// <summary>The items; an unknown item is null.</summary>
    public ImmutableArray<IntValue?> Items { get; } = items;

    /// <summary>The tensor whose <c>shape</c> this is, when the rank was not known.</summary>
    public TensorValue? ShapeOf { get; } = shapeOf;
}

/// <summary>Several tensors (a <c>cat</c>/<c>stack</c> argument, or the tuple that <c>max(dim)</c> returns).</summary>
internal sealed class TensorsValue(ImmutableArray<TensorValue?> items) : AbstractValue
{
    public ImmutableArray<TensorValue?> Items { get; } = items;
}

/// <summary>A tensor: its shape (null when even the rank is unknown) and dtype (null when unknown).</summary>
internal sealed class TensorValue(ImmutableArray<Dim>? shape, DType? dtype) : AbstractValue
{
    private Dictionary<long, Dim>? unknownRankSizes;

    public ImmutableArray<Dim>? Shape { get; } = shape;

    public DType? DType { get; } = dtype;

    public int? Rank => Shape?.Length;

    /// <summary>The size of dimension <paramref name="index"/>: known, or one symbol per tensor and index.</summary>
    public Dim SizeAt(long index, string name)
    {
        if (Shape is { } shape)
        {
            var i = index < 0 ? index + shape.Length : index;
            return i >= 0 && i < shape.Length ? shape[(int)i] : Dim.Fresh(name);
        }
        unknownRankSizes ??= [];
        if (!unknownRankSizes.TryGetValue(index, out var dim))
            unknownRankSizes[index] = dim = Dim.Fresh(name);
        return dim;
    }

    public override string ToString() => Shapes.Format(Shape);
}

internal enum ModuleKind { Linear, Embedding, LayerNorm, ShapePreserving, Gpt }

/// <summary>A module whose sizes were constant where it was made.</summary>
internal sealed class ModuleValue(ModuleKind kind, ImmutableArray<Dim> sizes, string name = "") : AbstractValue
{
    public ModuleKind Kind { get; } = kind;

    /// <summary>Linear: in, out. Embedding: count, width. LayerNorm: the normalized shape. Gpt: BlockSize, VocabSize.</summary>
    public ImmutableArray<Dim> Sizes { get; } = sizes;

    /// <summary>The [Gpt] class's name.</summary>
    public string Name { get; } = name;

    public bool Equals(ModuleValue other) =>
        Kind == other.Kind && Name == other.Name && Sizes.SequenceEqual(other.Sizes);
}

/// <summary>The dtypes the analyzer tells apart (TorchSharp's <c>ScalarType</c> values).</summary>
internal enum DType
{
    UInt8 = 0, Int8 = 1, Int16 = 2, Int32 = 3, Int64 = 4, Float16 = 5, Float32 = 6, Float64 = 7, Bool = 11, BFloat16 = 15,
}

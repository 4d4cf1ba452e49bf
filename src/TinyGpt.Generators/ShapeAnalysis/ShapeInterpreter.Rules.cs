using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TinyGpt.Generators.ShapeAnalysis;

/// <summary>The shape rule of each TorchSharp operation the analyzer follows.</summary>
internal sealed partial class ShapeInterpreter
{
    private static readonly ImmutableDictionary<string, string?> NoProperties = ImmutableDictionary<string, string?>.Empty;

    private AbstractValue? Report(DiagnosticDescriptor descriptor, Call call, string message,
        ImmutableDictionary<string, string?>? properties = null, SyntaxNode? related = null) =>
        Report(descriptor, call.Syntax, message, properties, related);

    private AbstractValue? Report(DiagnosticDescriptor descriptor, SyntaxNode node, string message,
        ImmutableDictionary<string, string?>? properties = null, SyntaxNode? related = null)
    {
        problems.Add(new ShapeProblem(descriptor, node, message, properties ?? NoProperties, related));
        return null;
    }

    // ---------------------------------------------------------------- creation

    private static readonly HashSet<string> SizeParameters = ["size", "rows", "columns", "dim0", "dim1", "dim2", "dim3", "dimensions"];

    private AbstractValue? Creation(Call call)
    {
        var sizes = new List<Dim>();
        foreach (var (parameter, value, _, _) in call.Arguments)
        {
            if (!SizeParameters.Contains(parameter.Name))
                continue;
            switch (value)
            {
                case IntValue { Dim: var dim } when dim.Value is not < 0:
                    sizes.Add(dim);
                    break;
                case SizesValue { ShapeOf: null } list:
                    foreach (var item in list.Items)
                        sizes.Add(item?.Dim is { Value: not < 0 } d ? d : Dim.Fresh());
                    break;
                default:
                    return new TensorValue(null, call.DTypeOr(null));
            }
        }
        var dtype = call.DTypeOr(call.Name switch
        {
            "randint" => DType.Int64,
            "full" => (DType?)null,
            _ => DType.Float32,
        });
        return new TensorValue(sizes.ToImmutableArray(), dtype);
    }

    private AbstractValue? Arange(Call call)
    {
        var bounds = call.Arguments.Where(a => a.Parameter.Name is "start" or "stop" or "step").ToList();
        var dtype = call.DTypeOr(bounds.All(b => IsIntegral(b.Operation)) ? DType.Int64
            : bounds.Any(b => IsFloating(b.Operation)) ? DType.Float32 : null);
        long? Bound(string name) => (bounds.FirstOrDefault(b => b.Parameter.Name == name).Value as IntValue)?.Dim.Value;
        var start = bounds.Any(b => b.Parameter.Name == "start") ? Bound("start") : 0;
        var stop = Bound("stop");
        if (start == 0 && !bounds.Any(b => b.Parameter.Name == "step") && dtype == DType.Int64
            && bounds.FirstOrDefault(b => b.Parameter.Name == "stop").Value is IntValue { Dim.IsKnown: false } symbolic)
            return new TensorValue(ImmutableArray.Create(symbolic.Dim), dtype);
        var step = bounds.Any(b => b.Parameter.Name == "step") ? Bound("step") : 1;
        if (start is null || stop is null || step is null or 0 || dtype != DType.Int64)
            return new TensorValue(null, dtype);
        var count = (stop.Value - start.Value + step.Value - (step.Value > 0 ? 1 : -1)) / step.Value;
        return new TensorValue(ImmutableArray.Create(Dim.Of(System.Math.Max(0, count))), dtype);
    }

    private static bool IsIntegral(IOperation op)
    {
        var type = (op is IConversionOperation c ? c.Operand : op).Type;
        return type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Int16 or SpecialType.System_Byte;
    }

    private static bool IsFloating(IOperation op)
    {
        var type = (op is IConversionOperation c ? c.Operand : op).Type;
        return type?.SpecialType is SpecialType.System_Single or SpecialType.System_Double;
    }

    private AbstractValue? Literal(Call call)
    {
        if (call.Arguments.Count == 0)
            return null;
        var data = call.Arguments[0];
        var dtype = call.DTypeOr(ElementDType(data.Parameter.Type));
        var explicitSizes = call.Arguments.Where(a => SizeParameters.Contains(a.Parameter.Name)).ToList();
        if (explicitSizes.Count > 0)
        {
            var sizes = new List<Dim>();
            foreach (var (_, value, _, _) in explicitSizes)
            {
                if (value is IntValue { Dim: var dim })
                    sizes.Add(dim);
                else if (value is SizesValue { ShapeOf: null } list && list.Items.All(i => i is not null))
                    sizes.AddRange(list.Items.Select(i => i!.Dim));
                else
                    return new TensorValue(null, dtype);
            }
            return new TensorValue(sizes.ToImmutableArray(), dtype);
        }
        if (data.Parameter.Type is IArrayTypeSymbol && Unconverted(data.Operation) is IArrayCreationOperation array
            && array.DimensionSizes.All(s => s.ConstantValue is { HasValue: true, Value: int }))
            return new TensorValue(array.DimensionSizes.Select(s => Dim.Of((int)s.ConstantValue.Value!)).ToImmutableArray(), dtype);
        if (data.Parameter.Type.SpecialType != SpecialType.None)
            return new TensorValue(ImmutableArray<Dim>.Empty, dtype);
        return new TensorValue(null, dtype);
    }

    private static IOperation Unconverted(IOperation op) => op is IConversionOperation c ? Unconverted(c.Operand) : op;

    private static DType? ElementDType(ITypeSymbol type)
    {
        var element = type is IArrayTypeSymbol array ? array.ElementType : type;
        return element.SpecialType switch
        {
            SpecialType.System_Single => DType.Float32,
            SpecialType.System_Double => DType.Float64,
            SpecialType.System_Int64 => DType.Int64,
            SpecialType.System_Int32 => DType.Int32,
            SpecialType.System_Int16 => DType.Int16,
            SpecialType.System_Byte => DType.UInt8,
            SpecialType.System_SByte => DType.Int8,
            SpecialType.System_Boolean => DType.Bool,
            _ => null,
        };
    }

    // ---------------------------------------------------------------- dims

    /// <summary>True when <paramref name="dim"/> is valid, false after reporting it, null when unknown.</summary>
    private bool? CheckDim(Call call, TensorValue self, long? dim, int extra = 0)
    {
        if (dim is null || self.Rank is not { } rank)
            return null;
        if (Shapes.Normalize(dim.Value, rank + extra) is not null)
            return true;
        Report(DiagnosticDescriptors.ShapeDimOutOfRange, call,
            $"{call.Name}: dim {dim} is out of range for the {rank}-D tensor {Shapes.Format(self)}; valid dims are {Shapes.DimRange(rank + extra)}");
        return false;
    }

    private AbstractValue? TransposeCall(Call call, TensorValue self)
    {
        var d0 = call.Long(0);
        var d1 = call.Long(1);
        if (CheckDim(call, self, d0) is false || CheckDim(call, self, d1) is false)
            return null;
        return d0 is null || d1 is null ? Unknown(self) : Transpose(self, d0.Value, d1.Value);
    }

    private static TensorValue Transpose(TensorValue self, long d0, long d1)
    {
        if (self.Shape is not { } shape || Shapes.Normalize(d0, shape.Length) is not { } a || Shapes.Normalize(d1, shape.Length) is not { } b
            || shape.Length == 0)
            return Unknown(self);
        var dims = shape.ToBuilder();
        (dims[a], dims[b]) = (dims[b], dims[a]);
        return new TensorValue(dims.ToImmutable(), self.DType);
    }

    private AbstractValue? Permute(Call call, TensorValue self)
    {
        if (call.Arg(0) is not SizesValue { ShapeOf: null } order || order.Items.Any(i => i?.Dim.Value is null) || self.Shape is not { } shape)
            return Unknown(self);
        var dims = order.Items.Select(i => i!.Dim.Value!.Value).ToList();
        var listed = "(" + string.Join(", ", dims) + ")";
        if (dims.Count != shape.Length)
            return Report(DiagnosticDescriptors.ShapeDimOutOfRange, call,
                $"permute{listed} of {Shapes.Format(self)}: it lists {dims.Count} dims for a {shape.Length}-D tensor; list each of its dims once");
        var normalized = new List<int>();
        foreach (var dim in dims)
        {
            if (Shapes.Normalize(dim, shape.Length) is not { } n)
                return Report(DiagnosticDescriptors.ShapeDimOutOfRange, call,
                    $"permute{listed} of {Shapes.Format(self)}: dim {dim} is out of range; valid dims are {Shapes.DimRange(shape.Length)}");
            if (normalized.Contains(n))
                return Report(DiagnosticDescriptors.ShapeDimOutOfRange, call,
                    $"permute{listed} of {Shapes.Format(self)}: dim {dim} is listed twice; list each dim once");
            normalized.Add(n);
        }
        return new TensorValue(normalized.Select(n => shape[n]).ToImmutableArray(), self.DType);
    }

    private AbstractValue? Unsqueeze(Call call, TensorValue self)
    {
        var dim = call.Long(0);
        if (CheckDim(call, self, dim, extra: 1) is not true || self.Shape is not { } shape)
            return Unknown(self);
        var at = Shapes.Normalize(dim!.Value, shape.Length + 1)!.Value;
        return new TensorValue(shape.Insert(at, Dim.One), self.DType);
    }

    private AbstractValue? Squeeze(Call call, TensorValue self)
    {
        if (self.Shape is not { } shape)
            return Unknown(self);
        if (!call.Given(0) || call.Arg(0) is null && call.ArgOperation(0)?.ConstantValue is { HasValue: true, Value: null })
            return shape.All(d => d.IsKnown) ? new TensorValue(shape.Where(d => d.Value != 1).ToImmutableArray(), self.DType) : Unknown(self);
        var dim = call.Long(0);
        if (CheckDim(call, self, dim) is not true)
            return Unknown(self);
        var at = Shapes.Normalize(dim!.Value, shape.Length)!.Value;
        if (shape.Length == 0)
            return self;
        if (shape[at].Value == 1)
            return new TensorValue(shape.RemoveAt(at), self.DType);
        return shape[at].CouldBeOne ? Unknown(self) : self;
    }

    private AbstractValue? Flatten(Call call, TensorValue self)
    {
        var start = call.Given(0) ? call.Long(0) : 0;
        var end = call.Given(1) ? call.Long(1) : -1;
        if (call.Arg(0) is SizesValue || CheckDim(call, self, start) is false || CheckDim(call, self, end) is false)
            return Unknown(self);
        if (self.Shape is not { } shape || start is null || end is null)
            return Unknown(self);
        if (shape.Length == 0)
            return new TensorValue(ImmutableArray.Create(Dim.One), self.DType);
        var s = Shapes.Normalize(start.Value, shape.Length)!.Value;
        var e = Shapes.Normalize(end.Value, shape.Length)!.Value;
        if (s > e)
            return Report(DiagnosticDescriptors.ShapeDimOutOfRange, call,
                $"flatten({start}, {end}) of {Shapes.Format(self)}: start_dim comes after end_dim");
        var merged = Shapes.Elements(shape.Skip(s).Take(e - s + 1)) ?? Dim.Fresh();
        return new TensorValue(shape.Take(s).Append(merged).Concat(shape.Skip(e + 1)).ToImmutableArray(), self.DType);
    }

    // ---------------------------------------------------------------- view

    private AbstractValue? View(Call call, TensorValue self, AbstractValue? sizes)
    {
        if (sizes is not SizesValue { ShapeOf: null } list)
            return Unknown(self);
        var requested = list.Items;
        var text = $"{call.Name}([{string.Join(", ", requested.Select(i => i?.Dim.ToString() ?? "?"))}])";
        var inferred = requested.Count(i => i?.Dim.Value == -1);
        if (inferred > 1)
            return Report(DiagnosticDescriptors.ShapeViewSize, call,
                $"{text} has {inferred} dimensions of -1; only one size can be inferred");
        if (requested.Any(i => i is null || i.Dim.Value is < -1))
            return new TensorValue(requested.Select(_ => Dim.Fresh()).ToImmutableArray(), self.DType);
        var dims = requested.Select(i => i!.Dim).ToList();
        var total = self.Shape is { } shape ? Shapes.Elements(shape) : null;
        var known = Shapes.Elements(dims.Where(d => d.Value != -1));
        if (total is null || known is null)
            return new TensorValue(dims.Select(d => d.Value == -1 ? Dim.Fresh() : d).ToImmutableArray(), self.DType);

        if (inferred == 0)
        {
            if (Dim.ProvablyDiffer(total, known))
                return Report(DiagnosticDescriptors.ShapeViewSize, call,
                    $"{text} needs {Count(known)} elements, the tensor {Shapes.Format(self)} has {Count(total)}{ViewHint(self, dims)}");
            return new TensorValue(dims.ToImmutableArray(), self.DType);
        }

        var rest = total.DividedBy(known);
        if (rest is null)
        {
            if (Dim.SameSymbols(total, known) || (known.Symbols.All(s => total.Symbols.Contains(s)) && total.Symbols.Length == known.Symbols.Length))
                return Report(DiagnosticDescriptors.ShapeViewSize, call,
                    $"{text} cannot infer the -1: the tensor {Shapes.Format(self)} has {Count(total)} elements, not a multiple of {Count(known)}");
            return new TensorValue(dims.Select(d => d.Value == -1 ? Dim.Fresh() : d).ToImmutableArray(), self.DType);
        }
        return new TensorValue(dims.Select(d => d.Value == -1 ? rest : d).ToImmutableArray(), self.DType);
    }

    private static string Count(Dim dim) => dim.IsKnown ? Dim.Format(dim.Coefficient) : dim.ToString();

    /// <summary>When the view splits the last dimension into heads, says what the head size must be.</summary>
    private static string ViewHint(TensorValue self, List<Dim> dims)
    {
        if (self.Shape is not { Length: > 0 } shape || dims.Count != shape.Length + 1 || !shape.Last().IsKnown)
            return "";
        var heads = dims[dims.Count - 2];
        if (heads.Value is not > 0 || shape.Last().Coefficient % heads.Value != 0)
            return "";
        return $"; for {heads} heads of a width-{shape.Last()} tensor the head size is {shape.Last().Coefficient / heads.Value}";
    }

    // ---------------------------------------------------------------- products

    private AbstractValue? Matmul(Call call, TensorValue self, TensorValue? other, IOperation? otherOperation)
    {
        if (other is null || self.Shape is not { } a || other.Shape is not { } b)
            return new TensorValue(null, self.DType);
        var name = call.Name;
        string Of() => $"{name} of {Shapes.Format(a)} and {Shapes.Format(b)}";
        if (name == "mm" && (a.Length != 2 || b.Length != 2))
            return Report(DiagnosticDescriptors.ShapeMatmul, call, $"{Of()}: mm multiplies two matrices (2-D); use matmul for batches");
        if (name == "bmm" && (a.Length != 3 || b.Length != 3))
            return Report(DiagnosticDescriptors.ShapeMatmul, call, $"{Of()}: bmm multiplies two 3-D batches of matrices; use matmul to broadcast");
        if (a.Length == 0 || b.Length == 0)
            return Report(DiagnosticDescriptors.ShapeMatmul, call, $"{Of()}: both operands need at least one dimension");

        var inner1 = a[a.Length - 1];
        var inner2 = b.Length == 1 ? b[0] : b[b.Length - 2];
        if (Dim.ProvablyDiffer(inner1, inner2))
        {
            var properties = NoProperties;
            var hint = "";
            if (b.Length >= 2 && b[b.Length - 1].Equals(inner1) && otherOperation is not null)
            {
                hint = $"; did you mean {Text(otherOperation)}.transpose(-2, -1)?";
                properties = properties.Add(ShapeProblem.TransposeSecondFix, "true");
            }
            else
                hint = "; the last dimension of the first must equal the second-to-last of the second";
            return Report(DiagnosticDescriptors.ShapeMatmul, call,
                $"{Of()}: the inner dimensions {inner1} and {inner2} differ{hint}", properties, otherOperation?.Syntax);
        }

        var batchA = a.Length > 2 ? a.Take(a.Length - 2).ToImmutableArray() : ImmutableArray<Dim>.Empty;
        var batchB = b.Length > 2 ? b.Take(b.Length - 2).ToImmutableArray() : ImmutableArray<Dim>.Empty;
        ImmutableArray<Dim> batch;
        if (name == "bmm")
        {
            if (Dim.ProvablyDiffer(batchA[0], batchB[0]))
                return Report(DiagnosticDescriptors.ShapeMatmul, call,
                    $"{Of()}: the batch sizes {batchA[0]} and {batchB[0]} differ (bmm does not broadcast)");
            batch = [batchA[0].IsKnown ? batchA[0] : batchB[0]];
        }
        else
        {
            var broadcast = Shapes.Broadcast(batchA, batchB, out var conflict);
            if (broadcast is null)
                return Report(DiagnosticDescriptors.ShapeMatmul, call,
                    $"{Of()}: the batch dimensions {Shapes.Format(batchA)} and {Shapes.Format(batchB)} do not broadcast ({Shapes.Conflict(conflict!.Value)})");
            batch = broadcast.Value;
        }
        var rows = a.Length >= 2 ? new[] { a[a.Length - 2] } : [];
        var columns = b.Length >= 2 ? new[] { b[b.Length - 1] } : [];
        return new TensorValue(batch.Concat(rows).Concat(columns).ToImmutableArray(), PromotedDType(self.DType, other.DType));
    }

    private static DType? PromotedDType(DType? a, DType? b) => a == b ? a : null;

    private static string Text(IOperation op) => op.Syntax.ToString();

    private AbstractValue? Attention(Call call, TensorValue query, TensorValue? key, TensorValue? value)
    {
        if (key?.Shape is not { Length: >= 2 } k || query.Shape is not { Length: >= 2 } q)
            return new TensorValue(query.Shape is { Length: >= 1 } qs && value?.Shape is { Length: >= 1 } vs0 ? qs.SetItem(qs.Length - 1, vs0.Last()) : null, query.DType);
        if (Dim.ProvablyDiffer(q.Last(), k.Last()))
            return Report(DiagnosticDescriptors.ShapeMatmul, call,
                $"scaled_dot_product_attention of query {Shapes.Format(q)} and key {Shapes.Format(k)}: their last dimensions (the head size) {q.Last()} and {k.Last()} differ");
        if (value?.Shape is { Length: >= 2 } v)
        {
            if (Dim.ProvablyDiffer(k[k.Length - 2], v[v.Length - 2]))
                return Report(DiagnosticDescriptors.ShapeMatmul, call,
                    $"scaled_dot_product_attention of key {Shapes.Format(k)} and value {Shapes.Format(v)}: they hold {k[k.Length - 2]} and {v[v.Length - 2]} positions; keys and values must pair up");
            return new TensorValue(q.SetItem(q.Length - 1, v.Last()), query.DType);
        }
        return new TensorValue(null, query.DType);
    }

    // ---------------------------------------------------------------- element-wise

    private AbstractValue? Binary(IOperation op, BinaryOperatorKind kind, IMethodSymbol? method, AbstractValue? left, AbstractValue? right)
    {
        if (method is null)
            // Only integer arithmetic: (double)C / 4 is not C / 4.
            return op.Type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64
                ? IntArithmetic(kind, left as IntValue, right as IntValue)
                : null;
        if (!torch.IsTorch(method))
            return null;
        var comparison = kind is BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals or BinaryOperatorKind.LessThan
            or BinaryOperatorKind.LessThanOrEqual or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual;
        var symbol = kind switch
        {
            BinaryOperatorKind.Add => "+", BinaryOperatorKind.Subtract => "-", BinaryOperatorKind.Multiply => "*",
            BinaryOperatorKind.Divide => "/", BinaryOperatorKind.Remainder => "%", BinaryOperatorKind.Equals => "==",
            BinaryOperatorKind.NotEquals => "!=", BinaryOperatorKind.LessThan => "<", BinaryOperatorKind.LessThanOrEqual => "<=",
            BinaryOperatorKind.GreaterThan => ">", BinaryOperatorKind.GreaterThanOrEqual => ">=", BinaryOperatorKind.And => "&",
            BinaryOperatorKind.Or => "|", BinaryOperatorKind.ExclusiveOr => "^", _ => kind.ToString(),
        };
        var bothTensors = method.Parameters.Length == 2 && method.Parameters.All(p => torch.IsTensor(p.Type));
        if (!bothTensors)
        {
            var tensor = left as TensorValue ?? right as TensorValue;
            return tensor is null ? null : new TensorValue(tensor.Shape, comparison ? DType.Bool : tensor.DType);
        }
        return Broadcast(op.Syntax, $"'{symbol}'", left as TensorValue, right as TensorValue, comparison);
    }

    private static IntValue? IntArithmetic(BinaryOperatorKind kind, IntValue? left, IntValue? right)
    {
        if (left is null || right is null)
            return null;
        var (a, b) = (left.Dim, right.Dim);
        try
        {
            switch (kind)
            {
                case BinaryOperatorKind.Multiply:
                    return a.Times(b) is { } product ? new IntValue(product) : null;
                case BinaryOperatorKind.Divide when b.Value is not 0:
                    if (a.IsKnown && b.IsKnown)
                        return new IntValue(Dim.Of(a.Coefficient / b.Coefficient));
                    return a.DividedBy(b) is { } quotient ? new IntValue(quotient) : null;
                case BinaryOperatorKind.Add when a.IsKnown && b.IsKnown:
                    return new IntValue(Dim.Of(checked(a.Coefficient + b.Coefficient)));
                case BinaryOperatorKind.Subtract when a.IsKnown && b.IsKnown:
                    return new IntValue(Dim.Of(checked(a.Coefficient - b.Coefficient)));
                case BinaryOperatorKind.Remainder when a.IsKnown && b.IsKnown && b.Coefficient != 0:
                    return new IntValue(Dim.Of(a.Coefficient % b.Coefficient));
                default:
                    return null;
            }
        }
        catch (System.OverflowException)
        {
            return null;
        }
    }

    private AbstractValue? ElementWise(Call call, TensorValue self, AbstractValue? other, bool comparison)
    {
        if (other is TensorValue tensor)
            return Broadcast(call.Syntax, call.Name, self, tensor, comparison);
        var otherIsTensor = call.Rest.Count > 0 && torch.IsTensor(call.Rest[0].Parameter.Type);
        return otherIsTensor ? new TensorValue(null, comparison ? DType.Bool : null) : new TensorValue(self.Shape, comparison ? DType.Bool : self.DType);
    }

    private AbstractValue? Broadcast(SyntaxNode node, string operation, TensorValue? a, TensorValue? b, bool comparison)
    {
        var dtype = comparison ? DType.Bool : PromotedDType(a?.DType, b?.DType);
        if (a?.Shape is not { } x || b?.Shape is not { } y)
            return new TensorValue(null, dtype);
        var result = Shapes.Broadcast(x, y, out var conflict);
        if (result is null)
            return Report(DiagnosticDescriptors.ShapeBroadcast, node,
                $"{operation} of {Shapes.Format(x)} and {Shapes.Format(y)}: {Shapes.Conflict(conflict!.Value)}{BroadcastHint(x, y, conflict.Value)}");
        return new TensorValue(result, dtype);
    }

    private static string BroadcastHint(ImmutableArray<Dim> x, ImmutableArray<Dim> y, (int FromRight, Dim A, Dim B) conflict)
    {
        // The same sizes in another order: a transpose is missing.
        if (x.Length == y.Length && x.Length >= 2 && x.OrderBy(d => d.ToString()).SequenceEqual(y.OrderBy(d => d.ToString())))
            return "; the same sizes in another order: is a transpose or permute missing?";
        return "; sizes must be equal or 1 in each dimension, counted from the right";
    }

    private AbstractValue? Where(Call call)
    {
        var condition = call.Arguments[0].Value as TensorValue;
        var a = call.Arguments[1].Value as TensorValue;
        var b = call.Arguments[2].Value as TensorValue;
        var first = condition is null || a is null ? null : Broadcast(call.Syntax, "where", condition, a, comparison: false) as TensorValue;
        if (condition is not null && a is not null && first is null)
            return null;
        var result = first is null || b is null ? null : Broadcast(call.Syntax, "where", first, b, comparison: false) as TensorValue;
        return result is null ? new TensorValue(null, PromotedDType(a?.DType, b?.DType)) : new TensorValue(result.Shape, PromotedDType(a?.DType, b?.DType));
    }

    private AbstractValue? MaskedFill(Call call, TensorValue self, TensorValue? mask)
    {
        if (mask?.Shape is not { } m || self.Shape is not { } s)
            return new TensorValue(call.Name == "masked_fill_" ? self.Shape : null, self.DType);
        var result = Shapes.Broadcast(s, m, out var conflict);
        if (result is null || (call.Name == "masked_fill_" && m.Length > s.Length))
        {
            var hint = m.Length >= 2 && s.Length >= 2 && m[m.Length - 1].Value is { } mCols && s[s.Length - 1].Value is { } sCols
                && m[m.Length - 2].Value is { } mRows && s[s.Length - 2].Value is { } sRows && mCols >= sCols && mRows >= sRows
                ? $"; slice the mask to [:{sRows}, :{sCols}]"
                : "; the mask's sizes must be equal or 1 in each dimension, counted from the right";
            return Report(DiagnosticDescriptors.ShapeMaskedFill, call,
                $"{call.Name}: mask {Shapes.Format(m)} does not broadcast to {Shapes.Format(s)}{hint}");
        }
        return new TensorValue(call.Name == "masked_fill_" ? s : result, self.DType);
    }

    // ---------------------------------------------------------------- reductions, slices, joins

    private AbstractValue? Reduction(Call call, TensorValue self)
    {
        var dimArgument = call.Rest.Select((a, i) => (a, i)).FirstOrDefault(p => p.a.Parameter.Name.StartsWith("dim", System.StringComparison.Ordinal)
            && p.a.Given);
        var keepdim = call.Rest.FirstOrDefault(a => a.Parameter.Name == "keepdim").Operation?.ConstantValue is { HasValue: true, Value: bool k } ? k : (bool?)null;
        var indices = call.Name is "argmax" or "argmin";
        var outDType = indices ? DType.Int64 : call.Name is "all" or "any" ? DType.Bool : call.Name is "mean" or "std" or "var" ? self.DType : self.DType;

        // max(other) and min(other) are element-wise.
        if (call.Rest.Count == 1 && call.Rest[0].Value is TensorValue other && torch.IsTensor(call.Rest[0].Parameter.Type))
            return ElementWise(call, self, other, comparison: false);
        if (dimArgument.a.Parameter is null)
            return call.Rest.Any(a => a.Given && a.Parameter.Type.SpecialType is SpecialType.System_Int64 or SpecialType.System_Int32)
                ? new TensorValue(null, outDType)
                : new TensorValue(ImmutableArray<Dim>.Empty, outDType);

        var dims = new List<long>();
        foreach (var (parameter, value, _, given) in call.Rest)
        {
            if (!given || !parameter.Name.StartsWith("dim", System.StringComparison.Ordinal))
                continue;
            if (value is IntValue { Dim.Value: { } d })
                dims.Add(d);
            else if (value is SizesValue { ShapeOf: null } list && list.Items.All(i => i?.Dim.Value is not null))
                dims.AddRange(list.Items.Select(i => i!.Dim.Value!.Value));
            else
                return new TensorValue(null, outDType);
        }
        foreach (var dim in dims)
            if (CheckDim(call, self, dim) is false)
                return null;
        if (self.Shape is not { } shape || keepdim is null)
            return new TensorValue(null, outDType);
        var removed = new HashSet<int>(dims.Select(d => Shapes.Normalize(d, shape.Length)!.Value));
        var result = shape.Length == 0 ? shape : keepdim.Value
            ? shape.Select((d, i) => removed.Contains(i) ? Dim.One : d).ToImmutableArray()
            : shape.Where((_, i) => !removed.Contains(i)).ToImmutableArray();
        var values = new TensorValue(result, outDType);
        // max(dim) and min(dim) return (values, indexes).
        if (call.Name is "max" or "min" && call.Method.ReturnType.IsTupleType)
            return new TensorsValue(ImmutableArray.Create<TensorValue?>(values, new TensorValue(result, DType.Int64)));
        return values;
    }

    private AbstractValue? Narrow(Call call, TensorValue self)
    {
        var dim = call.Long(0);
        if (CheckDim(call, self, dim) is not true || self.Shape is not { } shape)
            return Unknown(self);
        var at = Shapes.Normalize(dim!.Value, shape.Length)!.Value;
        var length = call.Arg(2) as IntValue;
        if (shape.Length == 0 || length is null)
            return Unknown(self);
        if (call.Long(1) is { } start && length.Dim.Value is { } n && shape[at].Value is { } size)
        {
            var from = start < 0 ? start + size : start;
            if (from < 0 || from + n > size)
                return Report(DiagnosticDescriptors.ShapeNarrow, call,
                    $"narrow({dim}, {start}, {n}) of {Shapes.Format(self)}: positions {from} to {from + n - 1} run past the end of dim {dim} (size {size})");
        }
        return new TensorValue(shape.SetItem(at, length.Dim), self.DType);
    }

    private AbstractValue? Select(Call call, TensorValue self)
    {
        var dim = call.Long(0);
        if (CheckDim(call, self, dim) is not true || self.Shape is not { Length: > 0 } shape)
            return Unknown(self);
        return new TensorValue(shape.RemoveAt(Shapes.Normalize(dim!.Value, shape.Length)!.Value), self.DType);
    }

    private AbstractValue? Concatenate(Call call)
    {
        if (call.Arguments.Count == 0 || call.Arguments[0].Value is not TensorsValue list || list.Items.Any(i => i?.Shape is null)
            || list.Items.Length == 0)
            return null;
        var stack = call.Name == "stack";
        var dim = call.Arguments.Count > 1 ? (call.Arguments[1].Value as IntValue)?.Dim.Value : 0;
        var shapes = list.Items.Select(i => i!.Shape!.Value).ToList();
        var first = shapes[0];
        var listed = string.Join(", ", shapes.Select(s => Shapes.Format(s)));
        for (var i = 1; i < shapes.Count; i++)
        {
            if (shapes[i].Length != first.Length)
                return Report(DiagnosticDescriptors.ShapeConcatenation, call.Syntax,
                    $"{call.Name} of {listed}: the tensors have {first.Length} and {shapes[i].Length} dimensions; they need the same number");
        }
        if (dim is null)
            return new TensorValue(null, list.Items[0]!.DType);
        var at = Shapes.Normalize(dim.Value, first.Length + (stack ? 1 : 0));
        if (at is null)
            return Report(DiagnosticDescriptors.ShapeDimOutOfRange, call.Syntax,
                $"{call.Name}: dim {dim} is out of range for {first.Length}-D tensors; valid dims are {Shapes.DimRange(first.Length + (stack ? 1 : 0))}");
        for (var i = 1; i < shapes.Count; i++)
            for (var d = 0; d < first.Length; d++)
                if ((stack || d != at) && Dim.ProvablyDiffer(first[d], shapes[i][d]))
                    return Report(DiagnosticDescriptors.ShapeConcatenation, call.Syntax, stack
                        ? $"stack of {listed}: every tensor needs the same shape, but dim {d} is {first[d]} and {shapes[i][d]}"
                        : $"cat along dim {dim} of {listed}: the other dims must match, but dim {d} is {first[d]} and {shapes[i][d]}");
        var dtype = list.Items.Select(i => i!.DType).Distinct().Count() == 1 ? list.Items[0]!.DType : null;
        if (stack)
            return new TensorValue(first.Insert(at.Value, Dim.Of(shapes.Count)), dtype);
        if (first.Length == 0)
            return null;
        var joined = shapes.Select(s => s[at.Value]).Aggregate((x, y) => x.IsKnown && y.IsKnown ? Dim.Of(x.Coefficient + y.Coefficient) : Dim.Fresh());
        return new TensorValue(first.SetItem(at.Value, joined), dtype);
    }

    /// <summary>x[…] with integers, TensorIndex.Colon/Ellipsis/None/Slice and ranges; anything else gives an unknown shape.</summary>
    private AbstractValue? Index(TensorValue self, IPropertyReferenceOperation indexer, List<IOperation> arguments)
    {
        if (self.Shape is not { } shape)
            return Unknown(self);
        var items = arguments.Count == 1 && Unconverted(arguments[0]) is IArrayCreationOperation { Initializer: { } init }
            ? init.ElementValues.ToList()
            : arguments;
        var result = new List<Dim>();
        var position = 0;
        foreach (var item in items)
        {
            var raw = Unconverted(item);
            if (raw.Type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64)
            {
                if (position >= shape.Length)
                    return Unknown(self);
                position++;
                continue;
            }
            if (raw is IPropertyReferenceOperation { Property.Name: "Colon" } or IFieldReferenceOperation { Field.Name: "Colon" })
            {
                if (position >= shape.Length)
                    return Unknown(self);
                result.Add(shape[position++]);
                continue;
            }
            if (raw is IPropertyReferenceOperation { Property.Name: "None" } or IFieldReferenceOperation { Field.Name: "None" })
            {
                result.Add(Dim.One);
                continue;
            }
            if (raw is IInvocationOperation { TargetMethod.Name: "Slice" } slice && position < shape.Length)
            {
                var bounds = slice.Arguments.OrderBy(a => a.Parameter?.Ordinal).Select(a => a.Value).ToList();
                result.Add(Sliced(shape[position++], bounds.ElementAtOrDefault(0), bounds.ElementAtOrDefault(1), bounds.ElementAtOrDefault(2)));
                continue;
            }
            if (raw is IRangeOperation range && position < shape.Length)
            {
                result.Add(Sliced(shape[position++], range.LeftOperand, range.RightOperand, null));
                continue;
            }
            return Unknown(self);
        }
        if (position > shape.Length)
            return Unknown(self);
        result.AddRange(shape.Skip(position));
        return new TensorValue(result.ToImmutableArray(), self.DType);
    }

    /// <summary>The length of start:stop:step of a dim (Python's clamping: a slice past the end just stops there).</summary>
    private static Dim Sliced(Dim size, IOperation? start, IOperation? stop, IOperation? step)
    {
        long? Constant(IOperation? op)
        {
            if (op is null)
                return null;
            var raw = Unconverted(op);
            if (raw.ConstantValue is { HasValue: true, Value: var v })
                return v is null ? null : System.Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture);
            return long.MinValue;
        }
        var from = Constant(start);
        var to = Constant(stop);
        var by = Constant(step);
        if (from == long.MinValue || to == long.MinValue || by == long.MinValue || by is <= 0)
            return Dim.Fresh();
        if (from is null && to is null && by is null or 1)
            return size;
        if (size.Value is not { } n)
            return Dim.Fresh();
        long Clamp(long v) => v < 0 ? System.Math.Max(0, v + n) : System.Math.Min(v, n);
        var a = from is null ? 0 : Clamp(from.Value);
        var b = to is null ? n : Clamp(to.Value);
        var s = by ?? 1;
        return Dim.Of(b <= a ? 0 : (b - a + s - 1) / s);
    }

    // ---------------------------------------------------------------- modules and losses

    private AbstractValue? Linear(Call call, ModuleValue module, TensorValue input)
    {
        var (inFeatures, outFeatures) = (module.Sizes[0], module.Sizes[1]);
        if (input.Shape is not { } shape)
            return new TensorValue(null, input.DType);
        if (shape.Length == 0)
            return Report(DiagnosticDescriptors.ShapeLinear, call,
                $"Linear({inFeatures} → {outFeatures}) applied to a 0-d tensor: its input needs a last dimension of {inFeatures}");
        if (Dim.ProvablyDiffer(shape.Last(), inFeatures))
        {
            var hint = $"; make the layer nn.Linear({shape.Last()}, {outFeatures}) or give it [..., {inFeatures}]";
            return Report(DiagnosticDescriptors.ShapeLinear, call,
                $"Linear({inFeatures} → {outFeatures}) applied to {Shapes.Format(shape)}: the last dimension must be {inFeatures}, not {shape.Last()}{hint}");
        }
        return new TensorValue(shape.SetItem(shape.Length - 1, outFeatures), input.DType);
    }

    private AbstractValue? Embedding(Call call, ModuleValue module, TensorValue input)
    {
        if (input.DType is { } dtype && !(dtype is DType.Int64 or DType.Int32))
            return Report(DiagnosticDescriptors.ShapeEmbedding, call,
                $"Embedding({module.Sizes[0]}, {module.Sizes[1]}) looks up token ids, which must be int64 (or int32); got {Shapes.Lower(dtype)} {Shapes.Format(input)}: make them with torch.int64 or call .@long()");
        return new TensorValue(input.Shape?.Add(module.Sizes[1]), DType.Float32);
    }

    private AbstractValue? LayerNorm(Call call, ModuleValue module, TensorValue input)
    {
        var normalized = module.Sizes;
        if (input.Shape is not { } shape)
            return new TensorValue(null, input.DType);
        var tail = shape.Length >= normalized.Length ? shape.Skip(shape.Length - normalized.Length).ToList() : null;
        if (tail is null || tail.Zip(normalized, Dim.ProvablyDiffer).Any(d => d))
        {
            if (tail is null && shape.Any(d => !d.IsKnown))
                return new TensorValue(shape, input.DType);
            var got = tail is null ? $"the tensor has only {shape.Length}" : Shapes.Format(tail.ToImmutableArray());
            return Report(DiagnosticDescriptors.ShapeLayerNorm, call, normalized.Length == 1 && tail is not null
                ? $"LayerNorm({normalized[0]}) applied to {Shapes.Format(shape)}: the last dimension must be {normalized[0]}, not {tail[0]}; make it nn.LayerNorm({tail[0]})"
                : $"LayerNorm({string.Join(", ", normalized)}) applied to {Shapes.Format(shape)}: the last dimensions must be {Shapes.Format(normalized)}, not {got}");
        }
        return new TensorValue(shape, input.DType);
    }

    private AbstractValue? Gpt(Call call, ModuleValue module, TensorValue input)
    {
        var blockSize = module.Sizes[0].Value!.Value;
        var wrong = false;
        if (input.Rank is { } rank && rank != 2)
            wrong = true;
        if (input.DType is { } dtype && dtype != DType.Int64)
            wrong = true;
        if (input.Shape is { Length: 2 } shape && shape[1].Value is { } t && (t > blockSize || t < 1))
            wrong = true;
        if (wrong)
        {
            var got = (input.DType is { } d ? Shapes.Lower(d) + " " : "") + Shapes.Format(input);
            var hint = input.Shape is { Length: 2 } s2 && s2[1].Value > blockSize
                ? $"; crop the context to the last {blockSize} tokens: idx[.., ^{blockSize}..]"
                : input.DType is { } dt && dt != DType.Int64 ? "; make the ids with torch.int64" : "";
            return Report(DiagnosticDescriptors.ShapeGptInput, call,
                $"{module.Name}.forward: idx must be int64 [B, T] with 1 ≤ T ≤ BlockSize ({blockSize}); got {got}{hint}");
        }
        if (call.Arguments.Count == 1)
            return GptOutput(module, input);
        if (call.Arguments.Count == 2 && call.Method.ReturnType.IsTupleType)
            return new TensorsValue(ImmutableArray.Create<TensorValue?>(
                GptOutput(module, input), new TensorValue(ImmutableArray<Dim>.Empty, DType.Float32)));
        return null;
    }

    private static TensorValue GptOutput(ModuleValue module, TensorValue? input) =>
        input?.Shape is { Length: 2 } shape
            ? new TensorValue(shape.Add(module.Sizes[1]), DType.Float32)
            : new TensorValue(null, DType.Float32);

    private AbstractValue? CrossEntropy(Call call, TensorValue logits, TensorValue? target)
    {
        var loss = new TensorValue(null, logits.DType);
        if (target?.Shape is not { } t || logits.Shape is not { } x)
            return loss;
        string Both() => $"cross_entropy of logits {Shapes.Format(x)} and targets {Shapes.Format(t)}";
        if (x.Length == 0)
            return Report(DiagnosticDescriptors.ShapeCrossEntropy, call, $"{Both()}: the logits need a class dimension");
        var classIndices = t.Length == x.Length - 1;
        if (classIndices)
        {
            if (target.DType is { } dtype && dtype != DType.Int64)
                return Report(DiagnosticDescriptors.ShapeCrossEntropy, call,
                    $"{Both()}: class-index targets must be int64, not {Shapes.Lower(dtype)}; make them with torch.int64 or call .@long()");
            var expected = x.Length == 1 ? ImmutableArray<Dim>.Empty : x.RemoveAt(1);
            if (expected.Zip(t, Dim.ProvablyDiffer).Any(d => d))
            {
                var hint = x.Length == 3
                    ? $"; cross_entropy reads the classes from dim 1: flatten both, logits.view(-1, {x[2]}) and targets.view(-1) (or move the classes with transpose(1, 2))"
                    : "";
                return Report(DiagnosticDescriptors.ShapeCrossEntropy, call,
                    $"{Both()}: targets must have the logits' shape without the class dim 1, {Shapes.Format(expected)}{hint}");
            }
            return new TensorValue(call.Rest.Any(a => a.Parameter.Name == "reduction" && a.Given) ? null : ImmutableArray<Dim>.Empty, logits.DType);
        }
        if (t.Length == x.Length)
        {
            if (target.DType is { } dtype && !Shapes.IsFloating(dtype))
                return Report(DiagnosticDescriptors.ShapeCrossEntropy, call,
                    $"{Both()}: {Shapes.Lower(dtype)} targets are class indices, which have one dimension fewer than the logits{(x.Length >= 2 ? $", {Shapes.Format(x.RemoveAt(1))}" : "")}");
            if (x.Zip(t, Dim.ProvablyDiffer).Any(d => d))
                return Report(DiagnosticDescriptors.ShapeCrossEntropy, call,
                    $"{Both()}: probability targets must have the logits' shape");
            return loss;
        }
        return Report(DiagnosticDescriptors.ShapeCrossEntropy, call,
            $"{Both()}: targets need one dimension fewer than the logits (class indices) or the same shape (probabilities)");
    }
}

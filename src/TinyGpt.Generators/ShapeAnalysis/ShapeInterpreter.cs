using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TinyGpt.Generators.ShapeAnalysis;

/// <summary>
/// Runs one method body abstractly: each local holds what is known of its value (a tensor's shape and
/// dtype, a size, a module's sizes), statements update it in order, branches are joined, loops forget
/// what they assign. TorchSharp calls are checked against their shape rules as they are reached
/// (<c>ShapeInterpreter.Tensors.cs</c>); a problem is reported only when it is certain.
/// </summary>
internal sealed partial class ShapeInterpreter
{
    /// <summary>Deeper expressions than this are not followed (the method is left alone).</summary>
    private const int MaxDepth = 150;

    private readonly TorchSymbols torch;
    private readonly FieldValues? fields;
    private readonly CancellationToken cancellationToken;
    private readonly List<ShapeProblem> problems = [];
    private ShapeEnvironment env = new();
    private HashSet<ISymbol> untracked = new(SymbolEqualityComparer.Default);
    private HashSet<ISymbol> stable = new(SymbolEqualityComparer.Default);
    private readonly Stack<AbstractValue?> conditionalAccessReceivers = new();
    private int depth;

    private ShapeInterpreter(TorchSymbols torch, FieldValues? fields, CancellationToken cancellationToken)
    {
        this.torch = torch;
        this.fields = fields;
        this.cancellationToken = cancellationToken;
    }

    /// <summary>Field and property assignments seen while running (to learn what modules a type's fields hold).</summary>
    public List<(ISymbol Member, AbstractValue? Value)> MemberWrites { get; } = [];

    /// <summary>Runs <paramref name="body"/> (a method body, field initializer, …) and returns the problems it proved.</summary>
    public static ShapeInterpreter Run(
        IOperation body, ISymbol owner, TorchSymbols torch, FieldValues? fields, CancellationToken cancellationToken)
    {
        var interpreter = new ShapeInterpreter(torch, fields, cancellationToken);
        try
        {
            interpreter.Prescan(body);
            if (owner is IMethodSymbol method)
                foreach (var parameter in method.Parameters)
                    interpreter.env.Set(parameter, interpreter.InitialValue(parameter.Type, parameter.Name));
            interpreter.Exec(body);
        }
        catch (AbandonException)
        {
            interpreter.problems.Clear();
            interpreter.MemberWrites.Clear();
            interpreter.Abandoned = true;
        }
        return interpreter;
    }

    public IReadOnlyList<ShapeProblem> Problems => problems;

    /// <summary>The body used something the analyzer does not model soundly (goto, very deep nesting); nothing was reported.</summary>
    public bool Abandoned { get; private set; }

    private sealed class AbandonException : Exception;

    /// <summary>A parameter: a tensor of unknown shape, or a [Gpt] model (its type fixes its sizes).</summary>
    private AbstractValue? InitialValue(ITypeSymbol type, string name) =>
        torch.IsTensor(type) ? new TensorValue(null, null) : type is INamedTypeSymbol named ? torch.GptModel(named) : null;

    // ---------------------------------------------------------------- what the body writes

    private void Prescan(IOperation body)
    {
        var writes = new Dictionary<ISymbol, int>(SymbolEqualityComparer.Default);
        void Write(ISymbol symbol, int count = 1) => writes[symbol] = (writes.TryGetValue(symbol, out var n) ? n : 0) + count;

        foreach (var op in body.DescendantsAndSelf())
        {
            switch (op)
            {
                case IBranchOperation { BranchKind: BranchKind.GoTo }:
                    throw new AbandonException();
                case IVariableDeclaratorOperation declarator:
                    Write(declarator.Symbol, declarator.GetVariableInitializer() is null ? 0 : 1);
                    if (declarator.Symbol.RefKind != RefKind.None)
                        foreach (var aliased in (declarator.GetVariableInitializer()?.Value).DescendantsAndSelfOrEmpty().OfType<ILocalReferenceOperation>())
                            untracked.Add(aliased.Local);
                    break;
                case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument:
                    foreach (var symbol in Referenced(argument.Value))
                        untracked.Add(symbol);
                    break;
                case IAnonymousFunctionOperation or ILocalFunctionOperation:
                    var declaredInside = new HashSet<ISymbol>(
                        op.Descendants().OfType<IVariableDeclaratorOperation>().Select(d => d.Symbol), SymbolEqualityComparer.Default);
                    foreach (var written in op.Descendants().SelectMany(WriteTargets))
                        if (!declaredInside.Contains(written))
                            untracked.Add(written);
                    break;
            }
            foreach (var target in WriteTargets(op))
                Write(target);
            if (op is IForEachLoopOperation loop)
                foreach (var local in loop.Locals)
                    Write(local, 2);
            if (op is IDeclarationPatternOperation { DeclaredSymbol: { } declared })
                Write(declared, 2);
        }
        foreach (var pair in writes)
            if (pair.Value <= 1 && !untracked.Contains(pair.Key))
                stable.Add(pair.Key);
    }

    /// <summary>Locals and parameters an operation assigns (as a whole: x = …, x += …, x++, (x, y) = …).</summary>
    private static IEnumerable<ISymbol> WriteTargets(IOperation op) => op switch
    {
        IAssignmentOperation assignment => Referenced(assignment.Target),
        IIncrementOrDecrementOperation increment => Referenced(increment.Target),
        _ => [],
    };

    private static IEnumerable<ISymbol> Referenced(IOperation target) => target switch
    {
        ILocalReferenceOperation local => [local.Local],
        IParameterReferenceOperation parameter => [parameter.Parameter],
        ITupleOperation or IDeclarationExpressionOperation =>
            target.Descendants().SelectMany(d => d switch
            {
                ILocalReferenceOperation l => new ISymbol[] { l.Local },
                IParameterReferenceOperation p => [p.Parameter],
                _ => [],
            }),
        _ => [],
    };

    private void ForgetWrittenIn(IOperation op)
    {
        foreach (var written in op.DescendantsAndSelf().SelectMany(WriteTargets))
            env.Forget(written);
        foreach (var declarator in op.Descendants().OfType<IVariableDeclaratorOperation>())
            env.Forget(declarator.Symbol);
    }

    // ---------------------------------------------------------------- statements and control flow

    private void Exec(IOperation? op) => Eval(op);

    private AbstractValue? Eval(IOperation? op)
    {
        if (op is null)
            return null;
        cancellationToken.ThrowIfCancellationRequested();
        if (++depth > MaxDepth)
            throw new AbandonException();
        try
        {
            return EvalCore(op);
        }
        finally
        {
            depth--;
        }
    }

    private AbstractValue? EvalCore(IOperation op)
    {
        if (op.ConstantValue.HasValue)
            return Constant(op);

        switch (op)
        {
            case IConditionalOperation conditional:
                return Branches(conditional.Condition, conditional.WhenTrue, conditional.WhenFalse);
            case ILoopOperation loop:
                Loop(loop);
                return null;
            case ISwitchOperation or ITryOperation:
                // Sections and handlers are entered with what they assign forgotten, and so is the result.
                ForgetWrittenIn(op);
                foreach (var child in op.ChildOperations)
                {
                    var entry = env.Copy();
                    Exec(child);
                    env = entry;
                    ForgetWrittenIn(op);
                }
                return null;
            case ISwitchExpressionOperation switchExpression:
                return SwitchExpression(switchExpression);
            case ICoalesceOperation coalesce:
                return Optional(Eval(coalesce.Value), coalesce.WhenNull);
            case IConditionalAccessOperation access:
                conditionalAccessReceivers.Push(Eval(access.Operation));
                try
                {
                    var before = env.Copy();
                    var accessed = Eval(access.WhenNotNull);
                    env = ShapeEnvironment.Join(before, env);
                    return accessed;
                }
                finally
                {
                    conditionalAccessReceivers.Pop();
                }
            case IConditionalAccessInstanceOperation:
                return conditionalAccessReceivers.Count > 0 ? conditionalAccessReceivers.Peek() : null;
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr } logical:
                Eval(logical.LeftOperand);
                Optional(null, logical.RightOperand);
                return null;
            case IAnonymousFunctionOperation lambda:
                Nested(lambda.Body, lambda.Symbol);
                return null;
            case ILocalFunctionOperation function:
                Nested(function.Body ?? function.IgnoredBody, function.Symbol);
                return null;

            case IFieldInitializerOperation fieldInitializer:
                var fieldValue = Eval(fieldInitializer.Value);
                foreach (var initialized in fieldInitializer.InitializedFields)
                    MemberWrites.Add((initialized, fieldValue));
                return null;
            case IPropertyInitializerOperation propertyInitializer:
                var propertyValue = Eval(propertyInitializer.Value);
                foreach (var initialized in propertyInitializer.InitializedProperties)
                    MemberWrites.Add((initialized, propertyValue));
                return null;
            case IVariableDeclaratorOperation declarator:
                var initial = Eval(declarator.GetVariableInitializer()?.Value);
                Assign(declarator.Symbol, initial);
                return null;
            case ISimpleAssignmentOperation assignment:
                return AssignTo(assignment.Target, Eval(assignment.Value), assignment);
            case ICompoundAssignmentOperation compound:
                var current = Eval(compound.Target);
                var operand = Eval(compound.Value);
                var combined = Binary(compound, compound.OperatorKind, compound.OperatorMethod, current, operand);
                return AssignTo(compound.Target, combined, compound, evaluateTarget: false);
            case IIncrementOrDecrementOperation increment:
                Eval(increment.Target);
                foreach (var symbol in Referenced(increment.Target))
                    env.Forget(symbol);
                return null;
            case IDeconstructionAssignmentOperation deconstruction:
                return Deconstruct(deconstruction);

            case ILocalReferenceOperation local:
                return Read(local.Local);
            case IParameterReferenceOperation parameter:
                return Read(parameter.Parameter);
            case IConversionOperation conversion:
                var converted = Eval(conversion.Operand);
                // A number or array that becomes a tensor (Scalar to Tensor) is not a tensor we know.
                return torch.IsTensor(conversion.Type) && converted is not TensorValue ? null : converted;
            case IParenthesizedOperation parenthesized:
                return Eval(parenthesized.Operand);
            case IArrayCreationOperation array:
                foreach (var size in array.DimensionSizes)
                    Eval(size);
                return array.Initializer is { } init ? Sequence(init.ElementValues) : null;
            case ICollectionExpressionOperation collection:
                return Sequence(collection.Elements);
            case IArrayElementReferenceOperation element:
                return Element(Eval(element.ArrayReference), element.Indices.Select(Eval).ToList(), element);
            case IFieldReferenceOperation field:
                return MemberRead(field, field.Field, Eval(field.Instance));
            case IPropertyReferenceOperation property:
                return PropertyRead(property);
            case IInvocationOperation invocation:
                return Invocation(invocation);
            case IObjectCreationOperation creation:
                return ObjectCreation(creation);
            case IBinaryOperation binary:
                var left = Eval(binary.LeftOperand);
                var right = Eval(binary.RightOperand);
                return Binary(binary, binary.OperatorKind, binary.OperatorMethod, left, right);
            case IUnaryOperation unary:
                var value = Eval(unary.Operand);
                return unary.OperatorMethod is not null && torch.IsTorch(unary.OperatorMethod) && value is TensorValue t
                    ? new TensorValue(t.Shape, unary.OperatorKind == UnaryOperatorKind.Not ? DType.Bool : t.DType)
                    : null;
            case ITupleOperation tuple:
                var items = tuple.Elements.Select(Eval).ToList();
                return items.All(i => i is TensorValue or null) && items.Any(i => i is TensorValue)
                    ? new TensorsValue(items.Select(i => i as TensorValue).ToImmutableArray())
                    : null;
            default:
                foreach (var child in op.ChildOperations)
                    Eval(child);
                return null;
        }
    }

    private AbstractValue? Constant(IOperation op)
    {
        var constant = op.ConstantValue.Value;
        if (op.Type is INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType && torch.IsScalarType(enumType)
            && constant is sbyte or byte or short or int && Convert.ToInt32(constant, System.Globalization.CultureInfo.InvariantCulture) is var code
            && Enum.IsDefined(typeof(DType), code))
            return new DTypeValue((DType)code);
        return constant switch
        {
            int i => new IntValue(Dim.Of(i)),
            long l => new IntValue(Dim.Of(l)),
            short s => new IntValue(Dim.Of(s)),
            byte b => new IntValue(Dim.Of(b)),
            _ => null,
        };
    }

    private AbstractValue? Branches(IOperation condition, IOperation whenTrue, IOperation? whenFalse)
    {
        Eval(condition);
        var entry = env.Copy();
        var trueValue = Eval(whenTrue);
        var afterTrue = env;
        var trueFlows = !EndsAbruptly(whenTrue);
        env = entry;
        var falseValue = Eval(whenFalse);
        var falseFlows = whenFalse is null || !EndsAbruptly(whenFalse);
        if (trueFlows && falseFlows)
            env = ShapeEnvironment.Join(afterTrue, env);
        else if (trueFlows)
            env = afterTrue;
        // Neither flows on: whatever follows is unreachable from here, the false side's state is as good as any.
        return AbstractValue.Join(trueValue, falseValue);
    }

    /// <summary>Evaluates <paramref name="maybe"/> as code that may or may not run.</summary>
    private AbstractValue? Optional(AbstractValue? valueWhenSkipped, IOperation maybe)
    {
        var before = env.Copy();
        var value = Eval(maybe);
        env = ShapeEnvironment.Join(before, env);
        return AbstractValue.Join(valueWhenSkipped, value);
    }

    /// <summary>A return, throw, break or continue ends the statement (the code after it does not run on that path).</summary>
    private static bool EndsAbruptly(IOperation op) => op switch
    {
        IReturnOperation or IBranchOperation => true,
        IThrowOperation => true,
        IExpressionStatementOperation { Operation: IThrowOperation } => true,
        IBlockOperation block => block.Operations.Length > 0 && EndsAbruptly(block.Operations[block.Operations.Length - 1]),
        _ => false,
    };

    private void Loop(ILoopOperation loop)
    {
        if (loop is IForLoopOperation forLoop)
            foreach (var before in forLoop.Before)
                Exec(before);
        if (loop is IForEachLoopOperation forEach)
            Eval(forEach.Collection);
        // Once around with everything the loop assigns forgotten covers every iteration; after it, too.
        ForgetWrittenIn(loop);
        var entry = env.Copy();
        switch (loop)
        {
            case IForLoopOperation f:
                Eval(f.Condition);
                Exec(f.Body);
                foreach (var bottom in f.AtLoopBottom)
                    Exec(bottom);
                break;
            case IForEachLoopOperation f:
                foreach (var local in f.Locals)
                    env.Forget(local);
                Exec(f.Body);
                break;
            case IWhileLoopOperation w:
                Eval(w.Condition);
                Exec(w.Body);
                Eval(w.IgnoredCondition);
                break;
            default:
                foreach (var child in loop.ChildOperations)
                    Exec(child);
                break;
        }
        env = ShapeEnvironment.Join(entry, env);
        ForgetWrittenIn(loop);
    }

    private AbstractValue? SwitchExpression(ISwitchExpressionOperation switchExpression)
    {
        Eval(switchExpression.Value);
        var entry = env.Copy();
        ShapeEnvironment? joined = null;
        AbstractValue? result = null;
        var first = true;
        foreach (var arm in switchExpression.Arms)
        {
            env = entry.Copy();
            Eval(arm.Pattern);
            Eval(arm.Guard);
            var value = Eval(arm.Value);
            result = first ? value : AbstractValue.Join(result, value);
            first = false;
            joined = joined is null ? env : ShapeEnvironment.Join(joined, env);
        }
        env = joined ?? entry;
        return result;
    }

    /// <summary>A lambda or local function: run its body now, trusting only locals that are assigned once.</summary>
    private void Nested(IOperation? body, IMethodSymbol symbol)
    {
        if (body is null)
            return;
        var outer = env;
        env = env.Only(stable);
        foreach (var parameter in symbol.Parameters)
            env.Set(parameter, InitialValue(parameter.Type, parameter.Name));
        Exec(body);
        env = outer;
    }

    // ---------------------------------------------------------------- reads and writes

    private AbstractValue? Read(ISymbol symbol)
    {
        if (untracked.Contains(symbol))
            return null;
        return env.TryGet(symbol, out var value) ? value : null;
    }

    private void Assign(ISymbol symbol, AbstractValue? value)
    {
        if (untracked.Contains(symbol))
            return;
        // A size stored in a local is named after it in messages: [B, T, 32].
        if (value is IntValue { Dim: { IsKnown: false, Coefficient: 1, Symbols.Length: 1 } dim } && dim.Symbols[0].Name.Contains("shape"))
            dim.Symbols[0].Name = symbol.Name;
        env.Set(symbol, value);
    }

    private AbstractValue? AssignTo(IOperation target, AbstractValue? value, IOperation assignment, bool evaluateTarget = true)
    {
        switch (target)
        {
            case ILocalReferenceOperation local:
                Assign(local.Local, value);
                break;
            case IParameterReferenceOperation parameter:
                Assign(parameter.Parameter, value);
                break;
            case IFieldReferenceOperation field:
                if (evaluateTarget)
                    Eval(field.Instance);
                MemberWrites.Add((field.Field, value));
                break;
            case IPropertyReferenceOperation property:
                if (evaluateTarget)
                {
                    Eval(property.Instance);
                    foreach (var argument in property.Arguments)
                        Eval(argument);
                }
                MemberWrites.Add((property.Property, value));
                break;
            default:
                if (evaluateTarget)
                    Eval(target);
                foreach (var symbol in Referenced(target))
                    env.Forget(symbol);
                break;
        }
        return value;
    }

    private AbstractValue? Deconstruct(IDeconstructionAssignmentOperation deconstruction)
    {
        var value = Eval(deconstruction.Value);
        var targets = deconstruction.Target switch
        {
            ITupleOperation tuple => tuple.Elements,
            IDeclarationExpressionOperation { Expression: ITupleOperation tuple } => tuple.Elements,
            _ => default,
        };
        if (!targets.IsDefault && value is TensorsValue tensors && tensors.Items.Length == targets.Length)
        {
            for (var i = 0; i < targets.Length; i++)
                AssignTo(Unwrap(targets[i]), tensors.Items[i], deconstruction, evaluateTarget: false);
            return value;
        }
        foreach (var symbol in Referenced(deconstruction.Target))
            env.Forget(symbol);
        return null;
    }

    private static IOperation Unwrap(IOperation target) =>
        target is IDeclarationExpressionOperation declaration ? declaration.Expression : target;

    private AbstractValue? Sequence(ImmutableArray<IOperation> elements)
    {
        var values = elements.Select(Eval).ToList();
        if (values.Count > 0 && values.All(v => v is TensorValue or null) && values.Any(v => v is TensorValue))
            return new TensorsValue(values.Select(v => v as TensorValue).ToImmutableArray());
        if (elements.All(e => e.Type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64
                || (e is IConversionOperation c && c.Operand.Type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64)))
            return new SizesValue(values.Select(v => v as IntValue).ToImmutableArray());
        return null;
    }

    private AbstractValue? Element(AbstractValue? array, List<AbstractValue?> indices, IOperation op)
    {
        if (indices.Count != 1 || indices[0] is not IntValue { Dim.Value: { } index })
            return null;
        if (array is SizesValue sizes)
        {
            if (sizes.ShapeOf is { } tensor)
                return new IntValue(tensor.SizeAt(index, $"shape[{index}]"));
            return index >= 0 && index < sizes.Items.Length ? sizes.Items[(int)index] : null;
        }
        if (array is TensorsValue tensors)
            return index >= 0 && index < tensors.Items.Length ? tensors.Items[(int)index] : null;
        return null;
    }

    private AbstractValue? MemberRead(IOperation op, ISymbol member, AbstractValue? instance)
    {
        // A named tuple element such as max(dim).values.
        if (member is IFieldSymbol { ContainingType.IsTupleType: true } element && instance is TensorsValue tuple)
        {
            var index = element.ContainingType.TupleElements.IndexOf(element.CorrespondingTupleField ?? element);
            if (index < 0)
                index = element.ContainingType.TupleElements.Select(e => e.Name).ToList().IndexOf(element.Name);
            return index >= 0 && index < tuple.Items.Length ? tuple.Items[index] : null;
        }
        // torch.int64, torch.float32, …: the dtype aliases TorchSharp declares.
        var memberType = (member as IFieldSymbol)?.Type ?? (member as IPropertySymbol)?.Type;
        if (member.IsStatic && memberType is not null && torch.IsTorch(member) && torch.IsScalarType(memberType)
            && DTypeAliases.TryGetValue(member.Name, out var alias))
            return new DTypeValue(alias);
        if (fields is not null && op is IMemberReferenceOperation { Instance: null or IInstanceReferenceOperation })
            return fields.ValueOf(member);
        return null;
    }

    private static readonly Dictionary<string, DType> DTypeAliases = new()
    {
        ["int64"] = DType.Int64, ["long"] = DType.Int64, ["int32"] = DType.Int32, ["int"] = DType.Int32,
        ["int16"] = DType.Int16, ["short"] = DType.Int16, ["int8"] = DType.Int8, ["uint8"] = DType.UInt8,
        ["float32"] = DType.Float32, ["float"] = DType.Float32, ["float64"] = DType.Float64, ["double"] = DType.Float64,
        ["float16"] = DType.Float16, ["half"] = DType.Float16, ["bfloat16"] = DType.BFloat16, ["bool"] = DType.Bool,
    };

    private AbstractValue? PropertyRead(IPropertyReferenceOperation property)
    {
        var instance = Eval(property.Instance);
        var arguments = property.Arguments.Select(a => (a.Parameter, Value: Eval(a.Value), Operation: a.Value)).ToList();
        if (torch.IsTorch(property.Property) && instance is TensorValue tensor)
        {
            if (property.Property.IsIndexer)
                return Index(tensor, property, arguments.Select(a => a.Operation).ToList());
            switch (property.Property.Name)
            {
                case "shape":
                    return tensor.Shape is { } shape
                        ? new SizesValue(shape.Select(d => (IntValue?)new IntValue(d)).ToImmutableArray())
                        : new SizesValue([], tensor);
                case "dtype":
                    return tensor.DType is { } dtype ? new DTypeValue(dtype) : null;
                case "ndim":
                case "Dimensions":
                    return tensor.Rank is { } rank ? new IntValue(Dim.Of(rank)) : null;
                case "T" when tensor.Rank is 2 or 1 or 0:
                    return new TensorValue(tensor.Shape!.Value.Reverse().ToImmutableArray(), tensor.DType);
                case "mT" when tensor.Rank >= 2:
                    return Transpose(tensor, -2, -1);
                default:
                    return null;
            }
        }
        return MemberRead(property, property.Property, instance);
    }

    private AbstractValue? ObjectCreation(IObjectCreationOperation creation)
    {
        foreach (var argument in creation.Arguments)
            Eval(argument.Value);
        Eval(creation.Initializer);
        return creation.Type is INamedTypeSymbol type ? torch.GptModel(type) : null;
    }
}

internal static class OperationExtensions
{
    public static IEnumerable<IOperation> DescendantsAndSelfOrEmpty(this IOperation? op) =>
        op is null ? [] : op.DescendantsAndSelf();
}

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TinyGpt.Generators.ShapeAnalysis;

internal sealed partial class ShapeInterpreter
{
    /// <summary>One call's operands, by parameter, after evaluation.</summary>
    private sealed class Call
    {
        public Call(IOperation operation, IMethodSymbol method, AbstractValue? instance, IOperation? instanceOperation,
            List<(IParameterSymbol Parameter, AbstractValue? Value, IOperation Operation, bool Given)> arguments)
        {
            Operation = operation;
            Method = method;
            Arguments = arguments;
            // A static torch.f(input, …) reads like input.f(…).
            if (method.IsStatic && arguments.Count > 0 && arguments[0].Parameter.Type.Name == "Tensor")
            {
                Self = arguments[0].Value as TensorValue;
                SelfOperation = arguments[0].Operation;
                Rest = arguments.Skip(1).ToList();
            }
            else
            {
                Self = instance as TensorValue;
                SelfOperation = instanceOperation;
                Rest = arguments;
            }
            Instance = instance;
        }

        public IOperation Operation { get; }
        public IMethodSymbol Method { get; }
        public string Name => Method.Name;
        public AbstractValue? Instance { get; }
        public TensorValue? Self { get; }
        public IOperation? SelfOperation { get; }
        public List<(IParameterSymbol Parameter, AbstractValue? Value, IOperation Operation, bool Given)> Arguments { get; }

        /// <summary>The arguments after the tensor the call is on.</summary>
        public List<(IParameterSymbol Parameter, AbstractValue? Value, IOperation Operation, bool Given)> Rest { get; }

        public AbstractValue? Arg(int index) => index < Rest.Count ? Rest[index].Value : null;

        public bool Given(int index) => index < Rest.Count && Rest[index].Given;

        public IOperation? ArgOperation(int index) => index < Rest.Count ? Rest[index].Operation : null;

        public AbstractValue? Named(string name) => Arguments.FirstOrDefault(a => a.Parameter.Name == name).Value;

        public long? Long(int index) => (Arg(index) as IntValue)?.Dim.Value;

        public bool? Bool(int index) =>
            index < Rest.Count && Rest[index].Operation.ConstantValue is { HasValue: true, Value: bool b } ? b : null;

        public TensorValue? Tensor(int index) => Arg(index) as TensorValue;

        /// <summary>The dtype argument when one is given (null if it is not known), else <paramref name="fallback"/>.</summary>
        public DType? DTypeOr(DType? fallback)
        {
            var argument = Arguments.FirstOrDefault(a => a.Parameter.Name is "dtype" or "type" && a.Given);
            if (argument.Parameter is null || argument.Operation.ConstantValue is { HasValue: true, Value: null })
                return fallback;
            return argument.Value is DTypeValue d ? d.DType : null;
        }

        public SyntaxNode Syntax => Operation.Syntax;
    }

    private AbstractValue? Invocation(IInvocationOperation invocation)
    {
        var instance = Eval(invocation.Instance);
        var arguments = invocation.Arguments
            .Select(a => (a.Parameter!, Value: Eval(a.Value), Operation: a.Value, Given: a.ArgumentKind != ArgumentKind.DefaultValue))
            .Where(a => a.Item1 is not null)
            .OrderBy(a => a.Item1.Ordinal)
            .ToList();
        foreach (var argument in invocation.Arguments)
            if (argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out)
                foreach (var symbol in Referenced(argument.Value))
                    env.Forget(symbol);

        var method = invocation.TargetMethod;
        var call = new Call(invocation, method, instance, invocation.Instance, arguments);

        // Modules: the receiver tells what it is, whichever class declares forward.
        if (instance is ModuleValue module && method.Name is "forward" or "call")
            return ModuleForward(call, module);
        if (!torch.IsTorch(method))
            return null;
        if (ReshapesInPlace(method.Name))
        {
            // An in-place reshape changes the tensor every alias refers to.
            env.ForgetTensors();
            return null;
        }
        return TorchCall(call);
    }

    /// <summary>An in-place method that may change the tensor's shape (unsqueeze_, t_, resize_, …).</summary>
    public static bool ReshapesInPlace(string name) =>
        name.EndsWith("_", System.StringComparison.Ordinal) && !InPlaceKeepsShape(name);

    private static bool InPlaceKeepsShape(string name) => name is
        "add_" or "sub_" or "mul_" or "div_" or "masked_fill_" or "copy_" or "zero_" or "fill_" or "normal_" or "uniform_"
        or "requires_grad_" or "clamp_" or "relu_" or "exp_" or "log_" or "neg_" or "bernoulli_" or "pow_" or "sqrt_"
        or "tril_" or "triu_" or "index_fill_" or "index_copy_" or "index_add_" or "scatter_" or "scatter_add_"
        or "random_" or "exponential_" or "addcmul_" or "addcdiv_" or "lerp_" or "clip_" or "abs_" or "sign_" or "retain_grad_";

    private AbstractValue? TorchCall(Call call)
    {
        var containing = call.Method.ContainingType;
        var self = call.Self;
        switch (call.Name)
        {
            // Creation.
            case "zeros" or "ones" or "empty" or "rand" or "randn" or "full" or "randint" when call.Method.IsStatic:
                return Creation(call);
            case "arange" when call.Method.IsStatic:
                return Arange(call);
            case "tensor" or "from_array" when call.Method.IsStatic:
                return Literal(call);
            case "zeros_like" or "ones_like" or "empty_like" or "rand_like" or "randn_like" or "full_like" or "randint_like":
                return self is null ? null : new TensorValue(self.Shape, call.DTypeOr(self.DType));
            case "eye" when call.Method.IsStatic:
                var n = call.Arguments.Count > 0 ? call.Arguments[0].Value as IntValue : null;
                var m = call.Arguments.Count > 1 && call.Arguments[1].Parameter.Type.SpecialType is SpecialType.System_Int64 or SpecialType.System_Int32
                    ? call.Arguments[1].Value as IntValue : n;
                return n is null || m is null ? null : new TensorValue(ImmutableArray.Create(n.Dim, m.Dim), call.DTypeOr(DType.Float32));

            // Modules.
            case "Linear" when containing.Name == "nn" && call.Arguments.Count >= 2 && call.Arguments[0].Parameter.Name == "inputSize":
                return Module(ModuleKind.Linear, call.Arguments[0].Value, call.Arguments[1].Value);
            case "Embedding" when containing.Name == "nn" && call.Arguments.Count >= 2 && call.Arguments[0].Parameter.Name == "num_embeddings":
                return Module(ModuleKind.Embedding, call.Arguments[0].Value, call.Arguments[1].Value);
            case "LayerNorm" when containing.Name == "nn" && call.Arguments.Count >= 1:
                return call.Arguments[0].Value switch
                {
                    IntValue width => new ModuleValue(ModuleKind.LayerNorm, ImmutableArray.Create(width.Dim)),
                    SizesValue { ShapeOf: null } sizes when sizes.Items.All(i => i is not null) =>
                        new ModuleValue(ModuleKind.LayerNorm, sizes.Items.Select(i => i!.Dim).ToImmutableArray()),
                    _ => null,
                };
            case "Dropout" or "ReLU" or "GELU" or "SiLU" or "Tanh" or "Sigmoid" or "Identity" or "Softplus" when containing.Name == "nn":
                return new ModuleValue(ModuleKind.ShapePreserving, []);
        }

        if (containing.Name == "functional")
            return Functional(call);
        if (self is null)
        {
            if (call.Name is "cat" or "stack" or "concat" or "concatenate")
                return Concatenate(call);
            if (call.Name == "where" && call.Arguments.Count == 3)
                return Where(call);
            return null;
        }
        return TensorMethod(call, self);
    }

    private static ModuleValue? Module(ModuleKind kind, AbstractValue? first, AbstractValue? second) =>
        first is IntValue a && second is IntValue b ? new ModuleValue(kind, ImmutableArray.Create(a.Dim, b.Dim)) : null;

    private AbstractValue? TensorMethod(Call call, TensorValue self)
    {
        switch (call.Name)
        {
            case "view" or "reshape":
                return View(call, self, call.Arg(0));
            case "transpose" or "swapaxes" or "swapdims":
                return TransposeCall(call, self);
            case "t":
                if (self.Rank > 2)
                    return Report(DiagnosticDescriptors.ShapeDimOutOfRange, call,
                        $"t() of {Shapes.Format(self)}: t() transposes a matrix (at most 2 dimensions); use transpose(-2, -1) for the last two");
                return self.Shape is { } s2 ? new TensorValue(s2.Reverse().ToImmutableArray(), self.DType) : Unknown(self);
            case "permute":
                return Permute(call, self);
            case "unsqueeze":
                return Unsqueeze(call, self);
            case "squeeze":
                return Squeeze(call, self);
            case "flatten":
                return Flatten(call, self);
            case "matmul" or "mm" or "bmm":
                return Matmul(call, self, call.Tensor(0), call.ArgOperation(0));
            case "masked_fill" or "masked_fill_":
                return MaskedFill(call, self, call.Tensor(0));
            case "narrow":
                return Narrow(call, self);
            case "select":
                return Select(call, self);
            case "softmax" or "log_softmax" or "cumsum" or "cumprod" or "argsort" or "sort":
                if (CheckDim(call, self, call.Long(0)) is false)
                    return null;
                return call.Name is "argsort" ? new TensorValue(self.Shape, DType.Int64) : SameShape(call, self);
            case "tril" or "triu" or "tril_" or "triu_":
                if (self.Rank < 2)
                    return Report(DiagnosticDescriptors.ShapeDimOutOfRange, call,
                        $"{call.Name} of {Shapes.Format(self)}: it needs a matrix (at least 2 dimensions)");
                return SameShape(call, self);
            case "sum" or "mean" or "max" or "min" or "amax" or "amin" or "argmax" or "argmin" or "prod" or "std" or "var"
                or "logsumexp" or "all" or "any" or "nansum" or "nanmean":
                return Reduction(call, self);
            case "add" or "sub" or "mul" or "div" or "pow" or "maximum" or "minimum" or "eq" or "ne" or "lt" or "le" or "gt" or "ge"
                or "true_divide" or "remainder" or "fmod" or "logical_and" or "logical_or" or "logical_xor" or "atan2"
                or "greater" or "less" or "greater_equal" or "less_equal" or "not_equal" or "multiply" or "divide" or "subtract":
                return ElementWise(call, self, call.Arg(0), IsComparison(call.Name));
            case "where" when call.Arguments.Count == 3:
                return Where(call);
            case "to" or "type" or "to_type" when call.Rest.Any(a => torch.IsTensor(a.Parameter.Type)):
                // to(other) takes the other tensor's dtype.
                return new TensorValue(self.Shape, (call.Rest.First(a => torch.IsTensor(a.Parameter.Type)).Value as TensorValue)?.DType);
            case "to" or "type" or "to_type":
                return new TensorValue(self.Shape, (call.Rest.FirstOrDefault(a => a.Value is DTypeValue).Value as DTypeValue)?.DType
                    ?? (call.Rest.Any(a => a.Parameter.Type.Name == "ScalarType" || a.Parameter.Name is "type" or "dtype") ? null : self.DType));
            case "@float" or "float": return new TensorValue(self.Shape, DType.Float32);
            case "@double" or "double": return new TensorValue(self.Shape, DType.Float64);
            case "@long" or "long": return new TensorValue(self.Shape, DType.Int64);
            case "@int" or "int": return new TensorValue(self.Shape, DType.Int32);
            case "@bool" or "bool": return new TensorValue(self.Shape, DType.Bool);
            case "half": return new TensorValue(self.Shape, DType.Float16);
            case "bfloat16": return new TensorValue(self.Shape, DType.BFloat16);
            case "contiguous" or "clone" or "detach" or "cpu" or "cuda" or "relu" or "gelu" or "silu" or "tanh" or "sigmoid" or "exp"
                or "log" or "sqrt" or "rsqrt" or "abs" or "neg" or "square" or "sin" or "cos" or "clamp" or "clip" or "sign"
                or "floor" or "ceil" or "round" or "reciprocal" or "exp2" or "log2" or "log1p" or "expm1" or "erf" or "logical_not"
                or "nan_to_num" or "requires_grad_" or "zero_" or "fill_" or "normal_" or "uniform_" or "add_" or "sub_" or "mul_" or "div_"
                or "copy_" or "alias" or "positive" or "relu_" or "bernoulli" or "bernoulli_" or "detach_":
                return SameShape(call, self);
            default:
                return null;
        }
    }

    private static bool IsComparison(string name) => name is
        "eq" or "ne" or "lt" or "le" or "gt" or "ge" or "logical_and" or "logical_or" or "logical_xor"
        or "greater" or "less" or "greater_equal" or "less_equal" or "not_equal";

    private static TensorValue Unknown(TensorValue self) => new(null, self.DType);

    private static TensorValue SameShape(Call call, TensorValue self) => new(self.Shape, call.DTypeOr(self.DType));

    private AbstractValue? Functional(Call call)
    {
        var self = call.Self;
        switch (call.Name)
        {
            case "softmax" or "log_softmax" when self is not null:
                return CheckDim(call, self, call.Long(0)) is false ? null : SameShape(call, self);
            case "relu" or "gelu" or "silu" or "tanh" or "sigmoid" or "dropout" or "leaky_relu" or "elu" or "softplus" or "mish"
                when self is not null:
                return new TensorValue(self.Shape, self.DType);
            case "cross_entropy" when self is not null:
                return CrossEntropy(call, self, call.Tensor(0));
            case "scaled_dot_product_attention" when self is not null:
                return Attention(call, self, call.Tensor(0), call.Tensor(1));
            case "one_hot" when self is not null && call.Arg(0) is IntValue { Dim.Value: > 0 } classes:
                return self.Shape is { } s ? new TensorValue(s.Add(classes.Dim), DType.Int64) : null;
            default:
                return null;
        }
    }

    private AbstractValue? ModuleForward(Call call, ModuleValue module)
    {
        var input = call.Arguments.Count > 0 ? call.Arguments[0].Value as TensorValue : null;
        if (input is null)
            return module.Kind == ModuleKind.Gpt && call.Arguments.Count == 1 ? GptOutput(module, null) : null;
        switch (module.Kind)
        {
            case ModuleKind.ShapePreserving:
                return new TensorValue(input.Shape, input.DType);
            case ModuleKind.Linear:
                return Linear(call, module, input);
            case ModuleKind.Embedding:
                return Embedding(call, module, input);
            case ModuleKind.LayerNorm:
                return LayerNorm(call, module, input);
            case ModuleKind.Gpt:
                return Gpt(call, module, input);
            default:
                return null;
        }
    }
}

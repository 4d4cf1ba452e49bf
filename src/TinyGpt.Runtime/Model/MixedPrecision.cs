using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// The Linear layers of generated models, in the compute dtype the model runs in now
/// (<see cref="LanguageModel.ComputePrecision"/>). In float32 it is the layer's own forward, so float32
/// numerics are exactly nn.Linear's; in bfloat16 the input, weight and bias are cast first, since
/// TorchSharp has no autocast: the optimizer keeps updating the float32 master weights and autograd
/// casts their gradients back to float32.
/// </summary>
public static class MixedPrecision
{
    /// <summary><paramref name="layer"/> on <paramref name="x"/> <c>[..., in]</c> → <c>[..., out]</c> in <paramref name="dtype"/>.</summary>
    public static Tensor Linear(Linear layer, Tensor x, ScalarType dtype)
    {
        if (dtype == layer.weight!.dtype)
            return layer.forward(x);
        // The casts' handles are released at once: autograd keeps the bfloat16 copies backward needs and
        // frees them as soon as backward has used them, instead of at the end of the step.
        var input = x.dtype == dtype ? x : x.to(dtype);                    // [..., in]
        using var weight = layer.weight.to(dtype);                         // [out, in] copy
        using var bias = layer.bias?.to(dtype);                            // [out] copy, or none
        var y = nn.functional.linear(input, weight, bias);                 // [..., out]
        if (!ReferenceEquals(input, x))
            input.Dispose();
        return y;
    }

    /// <summary>The LM head: <paramref name="x"/> <c>[..., C]</c> → float32 logits <c>[..., V]</c>, for softmax and the loss.</summary>
    public static Tensor Logits(Linear head, Tensor x, ScalarType dtype)
    {
        if (dtype == head.weight!.dtype)
            return head.forward(x);
        using var scores = Linear(head, x, dtype);                          // [..., V] in dtype
        return scores.to(ScalarType.Float32);
    }

    /// <summary>The dtype of a precision's matmuls.</summary>
    public static ScalarType DtypeOf(Precision precision) => precision switch
    {
        Precision.BFloat16 => ScalarType.BFloat16,
        Precision.Float32 => ScalarType.Float32,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "resolve Precision.Auto first (BFloat16Support.Resolve)"),
    };
}

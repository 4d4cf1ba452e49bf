using static TorchSharp.torch;

namespace TinyGpt.Interop;

/// <summary>Which tensors share memory (tied weights).</summary>
static class TensorStorage
{
    /// <summary>
    /// The address of the storage behind <paramref name="tensor"/>: equal for two tensors that
    /// share one storage. For dtypes other than float32/float64, the tensor's own handle.
    /// </summary>
    public static nint Address(Tensor tensor)
    {
        using var scope = NewDisposeScope();                               // storage<T>() makes a temporary alias
        return tensor.dtype switch
        {
            ScalarType.Float32 => tensor.storage<float>().data_ptr(),
            ScalarType.Float64 => tensor.storage<double>().data_ptr(),
            _ => tensor.Handle,
        };
    }
}

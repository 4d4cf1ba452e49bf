using System.Buffers.Binary;

namespace TinyGpt.Interop;

/// <summary>The two file formats in which weights move between TinyGpt and PyTorch.</summary>
public enum WeightFormat
{
    /// <summary>
    /// PyTorch's <c>torch.save</c> zip (a pickle plus one raw file per storage), the format of
    /// nanoGPT's checkpoints. Extension <c>.pt</c>.
    /// </summary>
    Pt,

    /// <summary>
    /// safetensors: an 8-byte little-endian header length, a JSON header of names, dtypes, shapes
    /// and offsets, then raw little-endian data. Holds no code at all. Extension <c>.safetensors</c>.
    /// </summary>
    Safetensors,
}

namespace TinyGpt.Interop;

/// <summary>How one tensor of a weights file disagrees with the model it is loaded into.</summary>
public enum MismatchKind
{
    /// <summary>The model has the tensor; the file does not.</summary>
    Missing,

    /// <summary>The file has a tensor the model does not know.</summary>
    Unexpected,

    /// <summary>Both have it, with different shapes.</summary>
    WrongShape,

    /// <summary>Both have it with the same shape, but the file's is not a floating-point tensor.</summary>
    WrongDtype,

    /// <summary>The model ties two names to one weight; the file gives them different values.</summary>
    TiedDiffer,
}

namespace TinyGpt.Onnx;

/// <summary>
/// What went wrong loading or running an exported model: a missing or unreadable file, a vocabulary that does not
/// fit the model, a prompt the vocabulary cannot encode. The message names the file or the character and says what to do.
/// </summary>
public sealed class TinyGptOnnxException : Exception
{
    /// <summary>An error with <paramref name="message"/>.</summary>
    public TinyGptOnnxException(string message) : base(message) { }

    /// <summary>An error with <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public TinyGptOnnxException(string message, Exception inner) : base(message, inner) { }
}

namespace TinyGpt.App.Playground;

/// <summary>A request the playground refuses: answered with 400 and <c>{"error": Message, "field": Field}</c>.</summary>
internal sealed class BadRequestException(string field, string message) : Exception(message)
{
    /// <summary>The JSON field (or <c>body</c>, or a query parameter) that was wrong.</summary>
    public string Field { get; } = field;
}

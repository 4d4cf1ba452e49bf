using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace TinyGpt.Onnx;

/// <summary>
/// An exported TinyGpt model behind .NET's AI abstractions (<see cref="IChatClient"/>), so it plugs into
/// Microsoft.Extensions.AI pipelines (logging, caching, telemetry) like any hosted model.
/// </summary>
/// <remarks>
/// A character-level GPT continues text; it does not hold a conversation. The prompt is the text of the
/// messages, in order, joined by newlines; the response is the continuation alone. <see cref="ChatOptions"/>
/// map onto <see cref="OnnxSamplingOptions"/>: <c>MaxOutputTokens</c> (characters; default
/// <see cref="DefaultMaxOutputTokens"/>), <c>Temperature</c>, <c>TopK</c> and <c>Seed</c>.
/// </remarks>
public sealed class OnnxChatClient : IChatClient
{
    private readonly bool _ownsModel;

    /// <summary>A client over <paramref name="model"/>; <paramref name="ownsModel"/> disposes it with the client.</summary>
    public OnnxChatClient(OnnxGpt model, bool ownsModel = false)
    {
        Model = model;
        _ownsModel = ownsModel;
        Metadata = new ChatClientMetadata("TinyGpt.Onnx", new Uri(Path.GetFullPath(model.Path)), model.Name);
    }

    /// <summary>A client over the model exported to <paramref name="path"/>, which it owns.</summary>
    public OnnxChatClient(string path) : this(OnnxGpt.Load(path), ownsModel: true) { }

    /// <summary>Characters generated when <c>ChatOptions.MaxOutputTokens</c> is not set.</summary>
    public const int DefaultMaxOutputTokens = 200;

    /// <summary>The model answering.</summary>
    public OnnxGpt Model { get; }

    /// <summary>Provider <c>TinyGpt.Onnx</c>, the model file, and the model's class name as its id.</summary>
    public ChatClientMetadata Metadata { get; }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (prompt, sampling) = Request(messages, options);
        var text = new System.Text.StringBuilder();
        await foreach (var piece in new OnnxSampler(Model).StreamAsync(prompt, sampling, cancellationToken).ConfigureAwait(false))
            text.Append(piece);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()))
        {
            ModelId = Model.Name,
            FinishReason = ChatFinishReason.Length,
            Usage = new UsageDetails { InputTokenCount = prompt.Length, OutputTokenCount = sampling.MaxNewTokens },
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (prompt, sampling) = Request(messages, options);
        var id = Guid.NewGuid().ToString("N");
        await foreach (var piece in new OnnxSampler(Model).StreamAsync(prompt, sampling, cancellationToken).ConfigureAwait(false))
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece) { ModelId = Model.Name, ResponseId = id };
        yield return new ChatResponseUpdate { Role = ChatRole.Assistant, FinishReason = ChatFinishReason.Length, ModelId = Model.Name, ResponseId = id };
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? Metadata
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType.IsInstanceOfType(Model) ? Model
        : null;

    /// <summary>Disposes the model when the client owns it.</summary>
    public void Dispose()
    {
        if (_ownsModel)
            Model.Dispose();
    }

    private static (string Prompt, OnnxSamplingOptions Sampling) Request(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var prompt = string.Join("\n", messages.Select(m => m.Text).Where(t => !string.IsNullOrEmpty(t)));
        var sampling = new OnnxSamplingOptions
        {
            MaxNewTokens = options?.MaxOutputTokens ?? DefaultMaxOutputTokens,
            Temperature = options?.Temperature ?? 1.0,
            TopK = options?.TopK,
            Seed = options?.Seed ?? new OnnxSamplingOptions().Seed,
        };
        return (prompt, sampling.Validate());
    }
}

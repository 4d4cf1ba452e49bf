using System.Text;
using System.Text.Json;

namespace TinyGpt.App.Playground;

/// <summary>
/// What <c>POST /api/generate</c> asks for, read from its JSON body:
/// <c>{"prompt": "ROMEO:", "tokens": 200, "temperature": 0.8, "topK": null, "seed": 1337}</c>
/// (every field optional). Each wrong value is refused with its field's name.
/// </summary>
public sealed record GenerationRequest(string Prompt, int Tokens, double Temperature, int? TopK, long Seed)
{
    /// <summary>Longest prompt accepted, in characters: the model reads only its last BlockSize anyway.</summary>
    public const int MaxPromptLength = 10_000;

    /// <summary>The defaults the page starts with, the same as <c>tinygpt sample</c>'s except a shorter text.</summary>
    public static GenerationRequest Default { get; } = new("\n", 200, 0.8, null, 1337);

    /// <summary>The sampler's options for this request.</summary>
    public SamplingOptions ToSamplingOptions() => new()
    {
        Prompt = Prompt,
        MaxNewTokens = Tokens,
        Temperature = Temperature,
        TopK = TopK,
        Seed = Seed,
    };

    /// <summary>Reads and checks a body; <paramref name="maxTokens"/> is the server's cap on <c>tokens</c>.</summary>
    /// <exception cref="BadRequestException">The body is not UTF-8 JSON, or a field is missing its type or range.</exception>
    internal static GenerationRequest Parse(ReadOnlySpan<byte> body, int maxTokens, CharTokenizer tokenizer)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            throw new BadRequestException("body", "The request body is not UTF-8 text; send JSON encoded as UTF-8.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new BadRequestException("body", $"The request body is not JSON ({e.Message}); send an object such as {{\"prompt\": \"ROMEO:\"}}.");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new BadRequestException("body", "The request body must be a JSON object such as {\"prompt\": \"ROMEO:\"}.");
            var request = Default;
            foreach (var field in document.RootElement.EnumerateObject())
                request = field.Name switch
                {
                    "prompt" => request with { Prompt = ReadPrompt(field.Value, tokenizer) },
                    "tokens" => request with { Tokens = ReadTokens(field.Value, maxTokens) },
                    "temperature" => request with { Temperature = ReadTemperature(field.Value) },
                    "topK" => request with { TopK = ReadTopK(field.Value) },
                    "seed" => request with { Seed = ReadInteger(field.Value, "seed", long.MinValue, long.MaxValue) },
                    _ => throw new BadRequestException(field.Name,
                        $"Unknown field '{field.Name}'; the fields are prompt, tokens, temperature, topK and seed."),
                };
            return request;
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string ReadPrompt(JsonElement value, CharTokenizer tokenizer)
    {
        if (value.ValueKind != JsonValueKind.String)
            throw new BadRequestException("prompt", "prompt must be a string.");
        var prompt = value.GetString()!;
        if (prompt.Length == 0)
            throw new BadRequestException("prompt", "The prompt is empty; type at least one character (a newline starts a fresh text).");
        if (prompt.Length > MaxPromptLength)
            throw new BadRequestException("prompt", $"The prompt has {prompt.Length:N0} characters; the playground takes at most {MaxPromptLength:N0}.");
        try
        {
            tokenizer.Encode(prompt);
        }
        catch (TinyGptException e)
        {
            throw new BadRequestException("prompt", e.Message);
        }
        return prompt;
    }

    private static int ReadTokens(JsonElement value, int maxTokens) =>
        (int)ReadInteger(value, "tokens", 1, maxTokens, "; start the server with a larger --max-tokens for longer texts");

    private static double ReadTemperature(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var temperature) || !double.IsFinite(temperature))
            throw new BadRequestException("temperature", "temperature must be a number.");
        if (temperature <= 0)
            throw new BadRequestException("temperature",
                $"temperature must be positive (got {temperature}); use a small value such as 0.1 for nearly greedy text, or top-k 1 for greedy.");
        return temperature;
    }

    private static int? ReadTopK(JsonElement value) =>
        value.ValueKind == JsonValueKind.Null ? null
        : (int)ReadInteger(value, "topK", 1, int.MaxValue, "; leave it empty to sample from every character, 1 is greedy");

    private static long ReadInteger(JsonElement value, string field, long min, long max, string hint = "")
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
            throw new BadRequestException(field, $"{field} must be a whole number.");
        if (number < min || number > max)
            throw new BadRequestException(field, max == long.MaxValue || max == int.MaxValue
                ? $"{field} must be at least {min} (got {number}){hint}."
                : $"{field} must be between {min} and {max} (got {number}){hint}.");
        return number;
    }
}

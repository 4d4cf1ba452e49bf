using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TinyGpt.Onnx;

/// <summary>
/// The characters of an exported model in token-id order, read from the JSON beside the <c>.onnx</c> file
/// (<c>meta.itos</c>, as nanoGPT's <c>meta.pkl</c>): token <c>i</c> is the <c>i</c>-th character.
/// </summary>
public sealed class OnnxVocabulary
{
    private readonly Rune[] _symbols;
    private readonly Dictionary<Rune, int> _ids = [];

    private OnnxVocabulary(Rune[] symbols)
    {
        _symbols = symbols;
        for (var i = 0; i < symbols.Length; i++)
            _ids[symbols[i]] = i;
    }

    /// <summary>The vocabulary of <paramref name="characters"/>, one token per character, in that order.</summary>
    /// <exception cref="TinyGptOnnxException">A character repeats.</exception>
    public static OnnxVocabulary FromCharacters(string characters)
    {
        var symbols = characters.EnumerateRunes().ToArray();
        var vocabulary = new OnnxVocabulary(symbols);
        if (vocabulary._ids.Count != symbols.Length)
            throw new TinyGptOnnxException("The vocabulary repeats a character; token ids would be ambiguous.");
        return vocabulary;
    }

    /// <summary>Reads <c>meta.itos</c> (or a top-level <c>itos</c>) from the JSON at <paramref name="path"/>.</summary>
    /// <exception cref="TinyGptOnnxException">The file is missing, not JSON, or holds no vocabulary of one character per id 0…N−1.</exception>
    public static OnnxVocabulary Read(string path)
    {
        if (!File.Exists(path))
            throw new TinyGptOnnxException(
                $"The vocabulary '{path}' does not exist. The export writes it beside the .onnx file; copy it along with the model.");
        JsonObject meta;
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new TinyGptOnnxException($"The vocabulary '{path}' is not a JSON object.");
            meta = root["meta"] as JsonObject ?? root;
        }
        catch (JsonException e)
        {
            throw new TinyGptOnnxException($"The vocabulary '{path}' is not valid JSON ({e.Message}).", e);
        }
        if (meta["itos"] is not JsonObject itos)
            throw new TinyGptOnnxException($"The vocabulary '{path}' has no \"meta\": {{\"itos\": {{\"0\": …}}}} mapping token ids to characters.");
        var symbols = new Rune?[itos.Count];
        foreach (var (key, value) in itos)
        {
            var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id >= symbols.Length || symbols[id] is not null
                || text is null || !Rune.TryGetRuneAt(text, 0, out var rune) || rune.Utf16SequenceLength != text.Length)
                throw new TinyGptOnnxException(
                    $"The vocabulary '{path}': itos entry \"{key}\" must map one of the ids 0…{symbols.Length - 1} (each once) to exactly one character.");
            symbols[id] = rune;
        }
        var declared = meta["vocab_size"] is JsonValue size && size.TryGetValue<int>(out var n) ? n : symbols.Length;
        if (declared != symbols.Length)
            throw new TinyGptOnnxException($"The vocabulary '{path}' declares vocab_size {declared} but itos has {symbols.Length} entries.");
        return FromCharacters(string.Concat(symbols.Select(r => r!.Value.ToString())));
    }

    /// <summary>Number of characters.</summary>
    public int Count => _symbols.Length;

    /// <summary>The characters in token order, as one string.</summary>
    public override string ToString() => string.Concat(_symbols.Select(s => s.ToString()));

    /// <summary>Token ids of <paramref name="text"/>.</summary>
    /// <exception cref="TinyGptOnnxException">A character is outside the vocabulary; the message names it and its position.</exception>
    public long[] Encode(string text)
    {
        var tokens = new List<long>(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (!_ids.TryGetValue(rune, out var id))
                throw new TinyGptOnnxException(
                    $"The character {Describe(rune)} at position {tokens.Count} is not in the model's vocabulary of {Count} characters; remove it from the prompt.");
            tokens.Add(id);
        }
        return [.. tokens];
    }

    /// <summary>The character of token <paramref name="token"/>.</summary>
    public string Decode(long token) => token >= 0 && token < _symbols.Length
        ? _symbols[token].ToString()
        : throw new ArgumentOutOfRangeException(nameof(token), token, $"Token ids run from 0 to {_symbols.Length - 1}.");

    private static string Describe(Rune rune) => Rune.IsControl(rune) || Rune.IsWhiteSpace(rune)
        ? $"U+{rune.Value:X4}"
        : $"'{rune}' (U+{rune.Value:X4})";
}

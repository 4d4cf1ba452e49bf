using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TinyGpt.Interop;

/// <summary>
/// The small JSON written beside an exported weights file: the architecture under nanoGPT's
/// names (<c>model_args</c>, as in nanoGPT's <c>ckpt.pt</c>; so <c>GPTConfig(**model_args)</c>
/// builds the model), whether the head is tied, and the character vocabulary as nanoGPT's
/// <c>meta.pkl</c> holds it (<c>meta</c>: <c>vocab_size</c>, <c>itos</c>, <c>stoi</c>).
/// </summary>
/// <example>
/// <code>
/// {
///   "model_args": { "n_layer": 4, "n_head": 4, "n_embd": 128, "block_size": 64,
///                   "bias": false, "vocab_size": 65, "dropout": 0.0 },
///   "tie_weights": true,
///   "meta": { "vocab_size": 65, "itos": { "0": "\n", ... }, "stoi": { "\n": 0, ... } },
///   "model": "BabyGpt", "weights": "baby.safetensors", "format": "safetensors"
/// }
/// </code>
/// </example>
/// <param name="Config">The architecture.</param>
/// <param name="Vocabulary">The characters in token-id order (<c>itos</c>); null when unknown.</param>
/// <param name="Model">TinyGpt's model name (its class name); null when unknown.</param>
/// <param name="Weights">The weights file's name, relative to the JSON; null when unknown.</param>
/// <param name="Format">The weights file's format; null when unknown.</param>
public sealed record NanoGptSidecar(GptConfig Config, string? Vocabulary, string? Model = null, string? Weights = null, WeightFormat? Format = null)
{
    static readonly JsonSerializerOptions Pretty = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The JSON path beside a weights file: its extension replaced by <c>.json</c>.</summary>
    public static string PathFor(string weightsPath) => Path.ChangeExtension(weightsPath, ".json");

    /// <summary>Writes the JSON to <paramref name="path"/>.</summary>
    public void Write(string path)
    {
        var c = Config;
        var root = new JsonObject
        {
            ["model_args"] = new JsonObject
            {
                ["n_layer"] = c.Layers,
                ["n_head"] = c.Heads,
                ["n_embd"] = c.Embd,
                ["block_size"] = c.BlockSize,
                ["bias"] = c.Bias,
                ["vocab_size"] = c.VocabSize,
                ["dropout"] = c.Dropout,
            },
            ["tie_weights"] = c.TieWeights,
        };
        if (Vocabulary is not null) root["meta"] = MetaOf(Vocabulary);
        if (Model is not null) root["model"] = Model;
        if (Weights is not null) root["weights"] = Weights;
        if (Format is not null) root["format"] = Format.Value.Name();
        File.WriteAllText(path, root.ToJsonString(Pretty) + "\n");
    }

    /// <summary>Reads a sidecar JSON written by <see cref="Write"/> (or by hand in its shape).</summary>
    /// <exception cref="InvalidDataException">Not of that shape; the message says what is wrong.</exception>
    public static NanoGptSidecar Read(string path) => Typed(path, () => ReadFrom(Parse(path), path));

    static NanoGptSidecar ReadFrom(JsonObject root, string path)
    {
        if (root["model_args"] is not JsonObject args)
            throw new InvalidDataException($"{path}: no \"model_args\" object (nanoGPT's n_layer, n_head, n_embd, block_size, bias, vocab_size, dropout)");
        int Int(string key) => args[key]?.GetValue<int>() ?? throw new InvalidDataException($"{path}: model_args.{key} is missing");
        var config = new GptConfig(
            Int("n_layer"), Int("n_head"), Int("n_embd"), Int("block_size"), Int("vocab_size"),
            args["dropout"]?.GetValue<double>() ?? 0.0,
            args["bias"]?.GetValue<bool>() ?? false,
            root["tie_weights"]?.GetValue<bool>() ?? true);
        var vocabulary = root["meta"] is JsonObject meta ? VocabularyOf(meta, path) : null;
        var format = root["format"]?.GetValue<string>() is { } name ? WeightFormats.Parse(name) : (WeightFormat?)null;
        return new NanoGptSidecar(config, vocabulary, root["model"]?.GetValue<string>(), root["weights"]?.GetValue<string>(), format);
    }

    /// <summary>
    /// The character vocabulary from either this sidecar (its <c>meta</c>) or a bare JSON copy of
    /// nanoGPT's <c>meta.pkl</c> (<c>{"vocab_size": N, "itos": {...}, "stoi": {...}}</c>).
    /// </summary>
    /// <exception cref="InvalidDataException">Neither shape, or an <c>itos</c> that is not one character per id 0…N-1.</exception>
    public static string ReadVocabulary(string path)
    {
        var root = Parse(path);
        var meta = root["meta"] as JsonObject ?? root;
        if (meta["itos"] is null)
            throw new InvalidDataException($"{path}: no vocabulary (expected \"meta\": {{\"vocab_size\", \"itos\", \"stoi\"}} or those keys at the top)");
        return Typed(path, () => VocabularyOf(meta, path));
    }

    /// <summary>
    /// The vocabulary for an imported weights file: from <paramref name="vocabularyJson"/> when given
    /// (a sidecar or a JSON copy of <c>meta.pkl</c>), else from the sidecar beside
    /// <paramref name="weightsPath"/> when it exists and holds one, else null (the caller decides,
    /// e.g. the corpus's own characters).
    /// </summary>
    public static string? FindVocabulary(string weightsPath, string? vocabularyJson = null)
    {
        if (vocabularyJson is not null) return ReadVocabulary(vocabularyJson);
        var beside = PathFor(weightsPath);
        return File.Exists(beside) && Parse(beside)["meta"] is JsonObject ? ReadVocabulary(beside) : null;
    }

    // JsonNode.GetValue throws the first two for a value of the wrong JSON type; WeightFormats.Parse the third.
    static T Typed<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: a value has the wrong type ({e.Message})", e);
        }
    }

    static JsonObject MetaOf(string vocabulary)
    {
        var itos = new JsonObject();
        var stoi = new JsonObject();
        for (var i = 0; i < vocabulary.Length; i++)
        {
            var ch = vocabulary[i].ToString();
            itos[i.ToString(CultureInfo.InvariantCulture)] = ch;
            stoi[ch] = i;
        }
        return new JsonObject { ["vocab_size"] = vocabulary.Length, ["itos"] = itos, ["stoi"] = stoi };
    }

    static string VocabularyOf(JsonObject meta, string path)
    {
        if (meta["itos"] is not JsonObject itos)
            throw new InvalidDataException($"{path}: \"itos\" must map token ids (\"0\", \"1\", …) to characters");
        var chars = new char[itos.Count];
        var seen = new bool[itos.Count];
        foreach (var (key, value) in itos)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id >= chars.Length || seen[id])
                throw new InvalidDataException($"{path}: itos key \"{key}\" is not one of the ids 0…{chars.Length - 1} (each once)");
            var text = value?.GetValue<string>();
            if (text is null || text.Length != 1)
                throw new InvalidDataException($"{path}: itos[{key}] must be exactly one character; got {value?.ToJsonString() ?? "null"}");
            chars[id] = text[0];
            seen[id] = true;
        }
        var size = meta["vocab_size"]?.GetValue<int>();
        if (size is not null && size != chars.Length)
            throw new InvalidDataException($"{path}: vocab_size is {size} but itos has {chars.Length} entries");
        return new string(chars);
    }

    static JsonObject Parse(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"{path}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
    }
}

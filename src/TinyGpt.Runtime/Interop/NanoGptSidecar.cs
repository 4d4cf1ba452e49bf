using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TinyGpt.Interop;

/// <summary>
/// The small JSON written beside an exported weights file: the architecture in the names the target codebase's config
/// uses, TinyGpt's own option names for what that config lacks, and the character vocabulary as nanoGPT's
/// <c>meta.pkl</c> holds it (<c>meta</c>: <c>vocab_size</c>, <c>itos</c>, <c>stoi</c>). Where the config goes depends on
/// the layout: nanoGPT's <c>model_args</c> (as in nanoGPT's <c>ckpt.pt</c>, so <c>GPTConfig(**model_args)</c> builds the
/// model; <c>tie_weights</c> beside it), nanochat's <c>model_config</c> (as nanochat's checkpoint meta, for its
/// <c>GPTConfig(**model_config)</c>: <c>sequence_len</c>, <c>vocab_size</c>, <c>n_layer</c>, <c>n_head</c>,
/// <c>n_kv_head</c>, <c>n_embd</c>) or the lecture's <c>hyperparameters</c> (the module-level names of its
/// <c>gpt.py</c>: <c>n_embd</c>, <c>n_head</c>, <c>n_layer</c>, <c>block_size</c>, <c>dropout</c>, <c>vocab_size</c>).
/// Every other property of <see cref="GptConfig"/> is in <c>options</c>, by its C# name, so that <see cref="Read"/> gives
/// back the exported config exactly. A sidecar with <c>model_args</c> alone (as written before <c>options</c> existed)
/// reads as nanoGPT's architecture with every option at its default.
/// </summary>
/// <example>
/// <code>
/// {
///   "model_args": { "n_layer": 4, "n_head": 4, "n_embd": 128, "block_size": 64,
///                   "bias": false, "vocab_size": 65, "dropout": 0.0 },
///   "tie_weights": true,
///   "options": { "Activation": "Gelu", "Norm": "LayerNorm", ..., "KvHeads": 4, ..., "MlpHidden": 512 },
///   "layout": "nanogpt",
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
/// <param name="Layout">Whose names the weights file uses, and so whose config names the JSON uses.</param>
public sealed record NanoGptSidecar(GptConfig Config, string? Vocabulary, string? Model = null, string? Weights = null, WeightFormat? Format = null,
    StateDictLayout Layout = StateDictLayout.NanoGpt)
{
    static readonly JsonSerializerOptions Pretty = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The JSON object of nanoGPT's <c>model_args</c>.</summary>
    public const string NanoGptConfigKey = "model_args";

    /// <summary>The JSON object of nanochat's <c>GPTConfig</c> fields (the <c>model_config</c> of its checkpoint meta).</summary>
    public const string NanochatConfigKey = "model_config";

    /// <summary>The JSON object of the lecture's module-level hyperparameters.</summary>
    public const string LectureConfigKey = "hyperparameters";

    /// <summary>The JSON object of the options the layout's config lacks, by their C# names.</summary>
    public const string OptionsKey = "options";

    /// <summary>Where each layout keeps its config, and its names for <see cref="GptConfig"/>'s properties (in its own order).</summary>
    static (string Key, (string Theirs, string Ours, bool Required)[] Fields) ConfigOf(StateDictLayout layout) => layout switch
    {
        StateDictLayout.Nanochat => (NanochatConfigKey,
        [
            ("sequence_len", nameof(GptConfig.BlockSize), true), ("vocab_size", nameof(GptConfig.VocabSize), true),
            ("n_layer", nameof(GptConfig.Layers), true), ("n_head", nameof(GptConfig.Heads), true),
            ("n_kv_head", nameof(GptConfig.KvHeads), true), ("n_embd", nameof(GptConfig.Embd), true),
        ]),
        StateDictLayout.Lecture => (LectureConfigKey,
        [
            ("n_embd", nameof(GptConfig.Embd), true), ("n_head", nameof(GptConfig.Heads), true),
            ("n_layer", nameof(GptConfig.Layers), true), ("block_size", nameof(GptConfig.BlockSize), true),
            ("dropout", nameof(GptConfig.Dropout), false), ("vocab_size", nameof(GptConfig.VocabSize), true),
        ]),
        _ => (NanoGptConfigKey,
        [
            ("n_layer", nameof(GptConfig.Layers), true), ("n_head", nameof(GptConfig.Heads), true),
            ("n_embd", nameof(GptConfig.Embd), true), ("block_size", nameof(GptConfig.BlockSize), true),
            ("bias", nameof(GptConfig.Bias), false), ("vocab_size", nameof(GptConfig.VocabSize), true),
            ("dropout", nameof(GptConfig.Dropout), false),
        ]),
    };

    /// <summary>nanoGPT keeps TinyGpt's <c>tie_weights</c> beside <c>model_args</c> (its <c>GPTConfig</c> would refuse it inside).</summary>
    const string TieWeightsKey = "tie_weights";

    static readonly StateDictLayout[] Layouts = [StateDictLayout.NanoGpt, StateDictLayout.Nanochat, StateDictLayout.Lecture];

    /// <summary>The JSON path beside a weights file: its extension replaced by <c>.json</c>.</summary>
    public static string PathFor(string weightsPath) => Path.ChangeExtension(weightsPath, ".json");

    /// <summary>A layout's name in the JSON's <c>layout</c> (and <c>tinygpt export --layout</c>): nanogpt, lecture, nanochat.</summary>
    public static string LayoutName(StateDictLayout layout) => layout switch
    {
        StateDictLayout.Lecture => "lecture",
        StateDictLayout.Nanochat => "nanochat",
        _ => "nanogpt",
    };

    /// <summary>Writes the JSON to <paramref name="path"/>.</summary>
    public void Write(string path)
    {
        var c = Config;
        var (key, fields) = ConfigOf(Layout);
        var config = new JsonObject();
        foreach (var (theirs, ours, _) in fields)
            config[theirs] = GptOptions.Find(ours)!.ToJson(c);
        var root = new JsonObject { [key] = config };
        var covered = fields.Select(f => f.Ours).ToHashSet();
        if (Layout == StateDictLayout.NanoGpt)
        {
            root[TieWeightsKey] = c.TieWeights;
            covered.Add(nameof(GptConfig.TieWeights));
        }
        var options = new JsonObject();
        foreach (var option in GptOptions.All.Where(o => !covered.Contains(o.Name)))
            options[option.Name] = option.ToJson(c);
        root[OptionsKey] = options;
        root["layout"] = LayoutName(Layout);
        if (Vocabulary is not null) root["meta"] = MetaOf(Vocabulary);
        if (Model is not null) root["model"] = Model;
        if (Weights is not null) root["weights"] = Weights;
        if (Format is not null) root["format"] = Format.Value.Name();
        File.WriteAllText(path, root.ToJsonString(Pretty) + "\n");
    }

    /// <summary>Reads a sidecar JSON written by <see cref="Write"/> (or by hand in its shape).</summary>
    /// <exception cref="InvalidDataException">Not of that shape; the message says what is wrong.</exception>
    public static NanoGptSidecar Read(string path) => Typed(path, () => ReadFrom(Parse(path), path));

    /// <summary>True when the JSON at <paramref name="path"/> holds a config (any layout's), not only a vocabulary.</summary>
    public static bool HasConfig(string path)
    {
        var root = Parse(path);
        return Layouts.Any(layout => root[ConfigOf(layout).Key] is JsonObject);
    }

    static NanoGptSidecar ReadFrom(JsonObject root, string path)
    {
        var layout = Layouts.FirstOrDefault(l => root[ConfigOf(l).Key] is JsonObject, (StateDictLayout)(-1));
        if (layout == (StateDictLayout)(-1))
            throw new InvalidDataException($"{path}: no \"{NanoGptConfigKey}\" object (nanoGPT's n_layer, n_head, n_embd, block_size, bias, vocab_size, dropout), " +
                                           $"nor nanochat's \"{NanochatConfigKey}\" nor the lecture's \"{LectureConfigKey}\"");
        var (key, fields) = ConfigOf(layout);
        var args = (JsonObject)root[key]!;
        var config = new GptConfig(0, 0, 0, 0, 0);
        foreach (var (theirs, ours, required) in fields)
        {
            if (args[theirs] is { } value)
                config = GptOptions.Find(ours)!.Apply(config, value);
            else if (required)
                throw new InvalidDataException($"{path}: {key}.{theirs} is missing");
        }
        if (layout == StateDictLayout.NanoGpt)
            config = config with { TieWeights = root[TieWeightsKey]?.GetValue<bool>() ?? true };
        if (root[OptionsKey] is JsonObject options)
        {
            foreach (var (name, value) in options)
            {
                var option = GptOptions.Find(name)
                    ?? throw new InvalidDataException($"{path}: {OptionsKey}.{name} is not a property of GptConfig (known: {string.Join(", ", GptOptions.All.Select(o => o.Name))})");
                if (value is null)
                    throw new InvalidDataException($"{path}: {OptionsKey}.{name} is null");
                config = option.Apply(config, value);
            }
        }
        else if (root[OptionsKey] is not null)
            throw new InvalidDataException($"{path}: \"{OptionsKey}\" must be an object of GptConfig's properties");
        var vocabulary = root["meta"] is JsonObject meta ? VocabularyOf(meta, path) : null;
        var format = root["format"]?.GetValue<string>() is { } name2 ? WeightFormats.Parse(name2) : (WeightFormat?)null;
        return new NanoGptSidecar(config, vocabulary, root["model"]?.GetValue<string>(), root["weights"]?.GetValue<string>(), format, layout);
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

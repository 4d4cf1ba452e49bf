using System.Globalization;
using System.Text;

namespace TinyGpt;

/// <summary>
/// Character-level tokenizer: the vocabulary is the sorted (ordinal) set of distinct Unicode
/// characters (code points) of a text; token <c>i</c> is the <c>i</c>-th character.
/// </summary>
public sealed class CharTokenizer
{
    private readonly Rune[] _symbols;
    private readonly Dictionary<Rune, int> _ids;

    private CharTokenizer(Rune[] symbols)
    {
        _symbols = symbols;
        _ids = new Dictionary<Rune, int>(symbols.Length);
        for (var i = 0; i < symbols.Length; i++)
            _ids.Add(symbols[i], i);
    }

    /// <summary>The vocabulary of <paramref name="text"/>: its distinct characters, sorted by code point.</summary>
    public static CharTokenizer FromText(string text)
    {
        var distinct = new SortedSet<Rune>();
        foreach (var rune in text.EnumerateRunes())
            distinct.Add(rune);
        return new CharTokenizer([.. distinct]);
    }

    /// <summary>
    /// Rebuilds a tokenizer from its <see cref="Vocabulary"/> string (as stored in a checkpoint).
    /// The characters must be distinct and sorted.
    /// </summary>
    public static CharTokenizer FromVocabulary(string vocabulary)
    {
        var symbols = vocabulary.EnumerateRunes().ToArray();
        for (var i = 1; i < symbols.Length; i++)
            if (symbols[i - 1].CompareTo(symbols[i]) >= 0)
                throw new TinyGptException(
                    $"The vocabulary is not a sorted set of distinct characters (at position {i}: {Escape(symbols[i])}); the checkpoint is damaged.");
        return new CharTokenizer(symbols);
    }

    /// <summary>Number of distinct characters.</summary>
    public int VocabSize => _symbols.Length;

    /// <summary>The vocabulary as one string, characters in token order.</summary>
    public string Vocabulary => string.Concat(_symbols.Select(s => s.ToString()));

    /// <summary>The characters in token order.</summary>
    public IReadOnlyList<Rune> Symbols => _symbols;

    /// <summary>Token ids of <paramref name="text"/>; a character outside the vocabulary is a <see cref="TinyGptException"/> naming it and its position.</summary>
    public long[] Encode(string text) => Encode(text, option: null);

    /// <summary>
    /// <see cref="Encode(string)"/> for a text that came from <paramref name="option"/> (e.g. <c>SamplingOptions.Prompt</c>),
    /// which the error then names and carries.
    /// </summary>
    internal long[] Encode(string text, string? option)
    {
        var tokens = new List<long>(text.Length);
        var position = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (!_ids.TryGetValue(rune, out var id))
            {
                var problem = $"character {Escape(rune)} at position {position} is not in the model's vocabulary of {VocabSize} characters;";
                const string remedy = "remove it or train on a corpus that contains it.";
                throw option is null
                    ? new TinyGptException($"The {problem} {remedy}") { Remedy = remedy }
                    : TinyGptException.About(option, $"{option}: the {problem}", remedy);
            }
            tokens.Add(id);
            position++;
        }
        return [.. tokens];
    }

    /// <summary>The text of <paramref name="tokens"/>.</summary>
    public string Decode(IEnumerable<long> tokens)
    {
        var sb = new StringBuilder();
        foreach (var token in tokens)
            sb.Append(Decode(token));
        return sb.ToString();
    }

    /// <summary>The character of one token.</summary>
    public string Decode(long token)
    {
        if (token < 0 || token >= _symbols.Length)
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token ids run from 0 to {_symbols.Length - 1}.");
        return _symbols[token].ToString();
    }

    /// <summary>
    /// Refuses a model whose embedding table is too small for this vocabulary, telling the user
    /// which <c>[Gpt(VocabSize = N)]</c> to write. A larger table is fine (unused rows).
    /// </summary>
    public void EnsureFits(GptConfig config, string modelName)
    {
        if (VocabSize > config.VocabSize)
            throw new TinyGptException(
                $"The corpus has {VocabSize} distinct characters but {modelName} has VocabSize = {config.VocabSize}; " +
                $"declare it with [Gpt(VocabSize = {VocabSize})] (or more).");
    }

    /// <summary>A character as a user can read it: printable ones quoted, whitespace and control characters by name or code point.</summary>
    public static string Escape(Rune rune) => rune.Value switch
    {
        '\n' => "'\\n' (line feed)",
        '\r' => "'\\r' (carriage return)",
        '\t' => "'\\t' (tab)",
        ' ' => "' ' (space)",
        _ when Rune.IsControl(rune) || Rune.IsWhiteSpace(rune) ||
               Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned
            => $"U+{rune.Value:X4}",
        _ => $"'{rune}' (U+{rune.Value:X4})",
    };
}

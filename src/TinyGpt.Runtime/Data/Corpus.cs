using System.Text;

namespace TinyGpt;

/// <summary>
/// A training text with its character vocabulary, its tokens and their 90/10 split.
/// The default is Tiny Shakespeare, embedded in the library so training works offline.
/// </summary>
public sealed class Corpus
{
    /// <summary>Name shown for the embedded default corpus.</summary>
    public const string DefaultName = "Tiny Shakespeare (embedded)";

    /// <summary>The argument of <see cref="Load"/> its errors name.</summary>
    public const string PathArgument = "Corpus.Load(path)";

    private const string DefaultResource = "TinyGpt.Data.tinyshakespeare.txt";
    private static readonly byte[] Utf8ByteOrderMark = [0xEF, 0xBB, 0xBF];
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private Corpus(string text, string source)
    {
        Text = text;
        Source = source;
        Tokenizer = CharTokenizer.FromText(text);
        Tokens = Tokenizer.Encode(text);
        Split = new DataSplit(Tokens);
    }

    /// <summary>The whole text.</summary>
    public string Text { get; }

    /// <summary>Where the text came from: a file path or <see cref="DefaultName"/>.</summary>
    public string Source { get; }

    /// <summary>The character vocabulary of <see cref="Text"/>.</summary>
    public CharTokenizer Tokenizer { get; }

    /// <summary>All tokens of <see cref="Text"/>.</summary>
    public long[] Tokens { get; }

    /// <summary>The first 90 % of <see cref="Tokens"/> for training, the rest for validation.</summary>
    public DataSplit Split { get; }

    /// <summary>
    /// Reads a UTF-8 text file, or the embedded Tiny Shakespeare when <paramref name="path"/> is null or empty.
    /// A missing, empty or non-UTF-8 file is a <see cref="TinyGptException"/>.
    /// </summary>
    public static Corpus Load(string? path = null)
    {
        if (string.IsNullOrEmpty(path))
            return LoadDefault();
        if (Directory.Exists(path))
            throw TinyGptException.About(PathArgument, $"The corpus '{path}' is a directory;", $"pass a UTF-8 text file to {PathArgument}.");
        if (!File.Exists(path))
            throw TinyGptException.About(PathArgument, $"The corpus file '{path}' does not exist;",
                $"check the path given to {PathArgument}, or leave it out to use Tiny Shakespeare.");
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw TinyGptException.About(PathArgument, $"The corpus file '{path}' cannot be read: {e.Message}", innerException: e);
        }
        return FromBytes(bytes, path);
    }

    /// <summary>A corpus from text in memory (tests, other sources).</summary>
    public static Corpus FromText(string text, string source = "text")
    {
        if (text.Length == 0)
            throw new TinyGptException($"The corpus '{source}' is empty; give a text file with at least a few hundred characters.");
        return new Corpus(text, source);
    }

    private static Corpus FromBytes(byte[] bytes, string source)
    {
        if (bytes.Length == 0)
            throw new TinyGptException($"The corpus file '{source}' is empty; give a text file with at least a few hundred characters.");
        var skip = bytes.AsSpan().StartsWith(Utf8ByteOrderMark) ? Utf8ByteOrderMark.Length : 0;   // tolerate a BOM
        var body = bytes.AsSpan(skip);
        var chars = new char[body.Length];
        var status = System.Text.Unicode.Utf8.ToUtf16(body, chars, out var read, out var written, replaceInvalidSequences: false);
        if (status != System.Buffers.OperationStatus.Done)
            throw new TinyGptException(
                $"The corpus file '{source}' is not valid UTF-8 (first bad byte at offset {skip + read}); " +
                "convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8) and try again.");
        var text = new string(chars, 0, written);
        return FromText(text, source);
    }

    private static Corpus LoadDefault()
    {
        using var stream = typeof(Corpus).Assembly.GetManifestResourceStream(DefaultResource)
            ?? throw new InvalidOperationException($"The embedded resource {DefaultResource} is missing from the TinyGpt assembly.");
        using var reader = new StreamReader(stream, StrictUtf8);
        return new Corpus(reader.ReadToEnd(), DefaultName);
    }

    /// <summary>What the walkthrough prints about its data.</summary>
    public CorpusSummary Summarize(int previewLength = 500)
    {
        var preview = new StringBuilder();
        var count = 0;
        foreach (var rune in Text.EnumerateRunes())
        {
            if (count++ == previewLength) break;
            preview.Append(rune.ToString());
        }
        return new CorpusSummary(
            Source,
            Tokens.LongLength,
            Tokenizer.Vocabulary,
            Tokenizer.VocabSize,
            preview.ToString(),
            Split.Train.LongLength,
            Split.Val.LongLength);
    }
}

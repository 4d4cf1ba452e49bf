using Xunit;

namespace TinyGpt.Runtime.Tests;

public class CorpusTests
{
    [Fact]
    public void Embedded_tiny_shakespeare_has_65_symbols_and_the_walkthrough_split()
    {
        var summary = Corpus.Load().Summarize();
        Assert.Equal(1_115_394, summary.Characters);
        Assert.Equal(65, summary.VocabSize);
        Assert.Equal("\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", summary.Alphabet);
        Assert.Equal(1_003_854, summary.TrainTokens);
        Assert.Equal(111_540, summary.ValTokens);
        Assert.Equal(500, summary.Preview.Length);
        Assert.StartsWith("First Citizen:", summary.Preview);
    }

    [Fact]
    public void A_file_loads_like_the_embedded_corpus()
    {
        var fromFile = Corpus.Load("/work/shared/data/tinyshakespeare/input.txt");
        Assert.Equal(Corpus.Load().Tokens, fromFile.Tokens);
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        LibraryError.Assert(() => Corpus.Load("/no/such/corpus.txt"), "Corpus.Load(path)",
            "The corpus file '/no/such/corpus.txt' does not exist; check the path given to Corpus.Load(path), or leave it out to use Tiny Shakespeare.");
    }

    [Fact]
    public void Empty_file_is_refused()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("empty.txt"), []);
        var e = Assert.Throws<TinyGptException>(() => Corpus.Load(dir.File("empty.txt")));
        Assert.Contains("is empty", e.Message);
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_refused_with_their_offset()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("latin1.txt"), [(byte)'c', (byte)'a', (byte)'f', 0xE9, (byte)'!']);
        var e = Assert.Throws<TinyGptException>(() => Corpus.Load(dir.File("latin1.txt")));
        Assert.Contains("not valid UTF-8", e.Message);
        Assert.Contains("offset 3", e.Message);
    }

    [Fact]
    public void A_corpus_shorter_than_a_block_is_refused_when_training()
    {
        using var dir = new TempDir();
        var corpus = Corpus.FromText("To be, or not to be.");
        var model = new BigramLanguageModel(corpus.Tokenizer.VocabSize, blockSize: 8);
        var e = Assert.Throws<TinyGptException>(() => new Trainer(model, corpus, Tiny.Options(), dir.Path).Train());
        Assert.Contains("too short for BlockSize 8", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Split_is_the_first_ninety_percent()
    {
        long[] tokens = [.. Enumerable.Range(0, 100).Select(i => (long)i)];
        var split = new DataSplit(tokens);
        Assert.Equal(tokens[..90], split.Train);
        Assert.Equal(tokens[90..], split.Val);
    }
}

using Xunit;

namespace TinyGpt.Runtime.Tests;

public class TokenizerTests
{
    [Fact]
    public void Vocabulary_is_sorted_and_round_trips()
    {
        var tokenizer = CharTokenizer.FromText("hello world\n");
        Assert.Equal("\n dehlorw", tokenizer.Vocabulary);
        Assert.Equal([4, 3, 5, 5, 6], tokenizer.Encode("hello"));
        Assert.Equal("hello world\n", tokenizer.Decode(tokenizer.Encode("hello world\n")));
    }

    [Fact]
    public void Characters_beyond_the_basic_plane_are_single_tokens()
    {
        var tokenizer = CharTokenizer.FromText("a😀b");
        Assert.Equal(3, tokenizer.VocabSize);
        Assert.Equal("b😀a", tokenizer.Decode(tokenizer.Encode("b😀a")));
        Assert.Equal(tokenizer.Vocabulary, CharTokenizer.FromVocabulary(tokenizer.Vocabulary).Vocabulary);
    }

    [Fact]
    public void Unknown_character_names_it_and_its_position()
    {
        var tokenizer = CharTokenizer.FromText("abc");
        var e = Assert.Throws<TinyGptException>(() => tokenizer.Encode("abZc"));
        Assert.Contains("'Z'", e.Message);
        Assert.Contains("position 2", e.Message);
    }

    [Fact]
    public void Unknown_whitespace_is_escaped()
    {
        var tokenizer = CharTokenizer.FromText("abc");
        var e = Assert.Throws<TinyGptException>(() => tokenizer.Encode("a\tb"));
        Assert.Contains("'\\t' (tab)", e.Message);
        Assert.Contains("position 1", e.Message);
        var control = Assert.Throws<TinyGptException>(() => tokenizer.Encode("ab\u0007"));
        Assert.Contains("U+0007", control.Message);
    }

    [Fact]
    public void A_vocabulary_larger_than_the_model_says_which_attribute_to_write()
    {
        var tokenizer = CharTokenizer.FromText("abcdefghij");
        var e = Assert.Throws<TinyGptException>(() => tokenizer.EnsureFits(new GptConfig(1, 1, 8, 8, VocabSize: 5), "BabyGpt"));
        Assert.Contains("[Gpt(VocabSize = 10)]", e.Message);
        Assert.Contains("BabyGpt", e.Message);
        tokenizer.EnsureFits(new GptConfig(1, 1, 8, 8, VocabSize: 65), "BabyGpt");   // larger table: fine
    }
}

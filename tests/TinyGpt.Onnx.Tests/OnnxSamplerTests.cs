using Microsoft.Extensions.AI;
using Xunit;

namespace TinyGpt.Onnx.Tests;

/// <summary>The ONNX sampler package against TinyGpt's own sampler (what <c>tinygpt sample</c> runs).</summary>
public sealed class OnnxSamplerTests
{
    [Theory]
    [MemberData(nameof(OnnxModels.Names), MemberType = typeof(OnnxModels))]
    public void Greedy_text_is_TinyGpts_with_and_without_the_cache_past_BlockSize(string name)
    {
        var trained = OnnxModels.Get(name);
        var tokens = 3 * trained.Model.Config.BlockSize;                  // well past the window: nanoGPT's crop
        var expected = TinyGptText(trained, "ROMEO:", new SamplingOptions { MaxNewTokens = tokens, TopK = 1 });
        using var model = OnnxGpt.Load(trained.Files.Model);
        var sampler = new OnnxSampler(model);

        Assert.Equal(expected, sampler.Generate("ROMEO:", new OnnxSamplingOptions { MaxNewTokens = tokens, TopK = 1 }));
        Assert.Equal(expected, sampler.Generate("ROMEO:", new OnnxSamplingOptions { MaxNewTokens = tokens, TopK = 1, UseKvCache = false }));
        Assert.Equal(name != "bigram", model.HasKvCache);
    }

    /// <summary>
    /// Briefly trained models' greedy text is mostly one repeated character, which says little about the crop;
    /// seeded draws at temperature 1 visit many tokens, so every refill of the cache past BlockSize shows.
    /// </summary>
    [Theory]
    [MemberData(nameof(OnnxModels.Names), MemberType = typeof(OnnxModels))]
    public void Seeded_text_is_TinyGpts_with_and_without_the_cache_past_BlockSize(string name)
    {
        var trained = OnnxModels.Get(name);
        var tokens = 3 * trained.Model.Config.BlockSize;
        var expected = TinyGptText(trained, "KING:", new SamplingOptions { MaxNewTokens = tokens, Seed = 5 });
        using var model = OnnxGpt.Load(trained.Files.Model);
        var sampler = new OnnxSampler(model);

        Assert.Equal(expected, sampler.Generate("KING:", new OnnxSamplingOptions { MaxNewTokens = tokens, Seed = 5 }));
        Assert.Equal(expected, sampler.Generate("KING:", new OnnxSamplingOptions { MaxNewTokens = tokens, Seed = 5, UseKvCache = false }));
        Assert.True(expected.Distinct().Count() > 8, $"{name}: the text '{expected}' is too uniform to tell the graphs apart");
    }

    [Theory]
    [InlineData(1.0, null, 1337L)]
    [InlineData(0.8, 5, 42L)]
    public void A_seed_draws_TinyGpts_text(double temperature, int? topK, long seed)
    {
        var trained = OnnxModels.Get("small");
        var expected = TinyGptText(trained, "\n", new SamplingOptions { MaxNewTokens = 60, Temperature = temperature, TopK = topK, Seed = seed });
        using var model = OnnxGpt.Load(trained.Files.Model);

        var text = new OnnxSampler(model).Generate("\n", new OnnxSamplingOptions { MaxNewTokens = 60, Temperature = temperature, TopK = topK, Seed = seed });

        Assert.Equal(expected, text);
    }

    [Fact]
    public async Task StreamAsync_yields_the_generated_characters_one_by_one()
    {
        var trained = OnnxModels.Get("small");
        using var model = OnnxGpt.Load(trained.Files.Model);
        var sampler = new OnnxSampler(model);
        var options = new OnnxSamplingOptions { MaxNewTokens = 25, Seed = 3 };

        var pieces = new List<string>();
        await foreach (var piece in sampler.StreamAsync("To be", options))
            pieces.Add(piece);

        Assert.Equal(25, pieces.Count);
        Assert.Equal(sampler.Generate("To be", options), "To be" + string.Concat(pieces));
    }

    [Fact]
    public async Task The_chat_client_answers_through_a_MicrosoftExtensionsAI_pipeline()
    {
        var trained = OnnxModels.Get("small");
        using var model = OnnxGpt.Load(trained.Files.Model);
        IChatClient client = new ChatClientBuilder(new OnnxChatClient(model))
            .ConfigureOptions(o => o.TopK ??= 1)
            .Build();
        var expected = TinyGptText(trained, "JULIET:", new SamplingOptions { MaxNewTokens = 40, TopK = 1 })["JULIET:".Length..];

        var response = await client.GetResponseAsync("JULIET:", new ChatOptions { MaxOutputTokens = 40 });
        var streamed = string.Concat(await client.GetStreamingResponseAsync("JULIET:", new ChatOptions { MaxOutputTokens = 40 })
            .Select(u => u.Text).ToListAsync());

        Assert.Equal(expected, response.Text);
        Assert.Equal(expected, streamed);
        Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
        Assert.Equal("SmallGpt", client.GetService<ChatClientMetadata>()!.DefaultModelId);
    }

    internal static string TinyGptText(Trained trained, string prompt, SamplingOptions options) =>
        new Sampler(trained.Model, trained.Tokenizer).Generate(options with { Prompt = prompt })[0];
}

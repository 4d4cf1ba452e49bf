using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace TinyGpt.Playground.Tests;

/// <summary>The playground's HTTP API, driven with HttpClient: streaming, seeds, concurrency and every 400.</summary>
[Collection(PlaygroundCollection.Name)]
public sealed class ApiTests(PlaygroundFixture playground)
{
    private HttpClient Http => playground.Http;

    [Fact]
    public async Task The_page_and_its_script_are_served()
    {
        var page = await Http.GetStringAsync("/");
        Assert.Contains("<label for=\"prompt\">Prompt</label>", page);
        Assert.Contains("playground.js", page);
        var script = await Http.GetAsync("/playground.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        var model = await Http.GetFromJsonAsync<JsonElement>("api/model");
        Assert.Equal(4, model.GetProperty("layers").GetInt32());
        Assert.Equal(4, model.GetProperty("heads").GetInt32());
        Assert.Equal(64, model.GetProperty("blockSize").GetInt32());
        Assert.Equal(PlaygroundFixture.MaxTokens, model.GetProperty("maxTokens").GetInt32());
    }

    [Fact]
    public async Task A_generation_streams_one_event_per_character_then_the_whole_text()
    {
        var events = await ServerEvents.Generate(Http, """{"prompt": "ROMEO:", "tokens": 40, "seed": 3}""");
        Assert.Equal(40, events.Count(e => e.Name == "token"));
        var text = ServerEvents.Text(events, "ROMEO:");
        Assert.Equal(46, text.Length);
    }

    [Fact]
    public async Task A_seed_gives_the_text_of_tinygpt_sample()
    {
        var events = await ServerEvents.Generate(Http, """{"prompt": "KING:", "tokens": 30, "temperature": 0.9, "topK": 10, "seed": 42}""");
        var text = ServerEvents.Text(events, "KING:");

        var sample = CliRun.InProcess(
            "sample", "--checkpoint", playground.RunDirectory, "--prompt", "KING:", "--tokens", "30", "--temperature", "0.9", "--top-k", "10", "--seed", "42");
        Assert.True(sample.ExitCode == 0, sample.ToString());
        Assert.Equal(text + "\n", sample.Output);   // the command ends the sample with a newline
    }

    [Fact]
    public async Task Eight_clients_at_once_each_get_the_text_their_seed_gives_alone()
    {
        var seeds = Enumerable.Range(1, 8).ToArray();
        string Body(int seed) => $$"""{"prompt": "\n", "tokens": 25, "seed": {{seed}}}""";
        var together = await Task.WhenAll(seeds.Select(async seed => ServerEvents.Text(await ServerEvents.Generate(Http, Body(seed)), "\n")));
        for (var i = 0; i < seeds.Length; i++)
        {
            var alone = ServerEvents.Text(await ServerEvents.Generate(Http, Body(seeds[i])), "\n");
            Assert.Equal(alone, together[i]);
        }
        Assert.True(together.Distinct().Count() > 1, "different seeds should give different texts");
    }

    [Theory]
    [InlineData("""{"tokens": 301}""", "tokens", "between 1 and 300")]
    [InlineData("""{"tokens": 0}""", "tokens", "between 1 and 300")]
    [InlineData("""{"tokens": 2.5}""", "tokens", "whole number")]
    [InlineData("""{"temperature": -1}""", "temperature", "must be positive (got -1)")]
    [InlineData("""{"temperature": 0}""", "temperature", "must be positive")]
    [InlineData("""{"temperature": "hot"}""", "temperature", "must be a number")]
    [InlineData("""{"topK": 0}""", "topK", "at least 1 (got 0)")]
    [InlineData("""{"seed": "x"}""", "seed", "whole number")]
    [InlineData("""{"prompt": "ROMEO#"}""", "prompt", "'#' (U+0023) at position 5 is not in the model's vocabulary")]
    [InlineData("""{"prompt": ""}""", "prompt", "empty")]
    [InlineData("""{"prompt": 7}""", "prompt", "must be a string")]
    [InlineData("""{"colour": "red"}""", "colour", "Unknown field 'colour'")]
    [InlineData("""[1, 2]""", "body", "must be a JSON object")]
    [InlineData("""{"prompt": "ROMEO""", "body", "not JSON")]
    [InlineData("hello", "body", "not JSON")]
    public async Task A_bad_request_gets_400_naming_its_field(string body, string field, string message)
    {
        var response = await Http.PostAsync("api/generate", new StringContent(body, Encoding.UTF8, "application/json"));
        await AssertBadRequest(response, field, message);
    }

    [Fact]
    public async Task A_body_that_is_not_UTF8_gets_400()
    {
        var bytes = new ByteArrayContent([(byte)'{', (byte)'"', (byte)'p', 0xFF, 0xFE, (byte)'"', (byte)'}']);
        var response = await Http.PostAsync("api/generate", bytes);
        await AssertBadRequest(response, "body", "not UTF-8");
        await The_server_still_generates();
    }

    [Fact]
    public async Task A_body_too_large_gets_400()
    {
        var response = await Http.PostAsync("api/generate", new StringContent(new string(' ', 100_000), Encoding.UTF8, "application/json"));
        await AssertBadRequest(response, "body", "larger than");
    }

    [Fact]
    public async Task The_attention_map_is_a_png_of_one_head_or_of_the_grid()
    {
        var one = await Http.GetAsync("api/attention?text=" + Uri.EscapeDataString("ROMEO: what") + "&layer=1&head=2");
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.Equal("image/png", one.Content.Headers.ContentType?.MediaType);
        var (width, height) = PngSize(await one.Content.ReadAsByteArrayAsync());
        var grid = await Http.GetByteArrayAsync("api/attention?text=ROMEO");
        var (gridWidth, gridHeight) = PngSize(grid);
        Assert.Equal((4 * width, 4 * height), (gridWidth, gridHeight));
    }

    [Theory]
    [InlineData("api/attention?text=ROMEO&layer=4", "layer", "0 to 3 (got '4')")]
    [InlineData("api/attention?text=ROMEO&head=x", "head", "0 to 3 (got 'x')")]
    [InlineData("api/attention?text=RO%23", "text", "'#'")]
    [InlineData("api/attention", "text", "missing")]
    public async Task A_bad_attention_request_gets_400_naming_its_parameter(string url, string field, string message) =>
        await AssertBadRequest(await Http.GetAsync(url), field, message);

    private async Task The_server_still_generates() =>
        ServerEvents.Text(await ServerEvents.Generate(Http, """{"prompt": "A", "tokens": 3}"""), "A");

    private static async Task AssertBadRequest(HttpResponseMessage response, string field, string message)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonDocument.Parse(body).RootElement;
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Contains(message, error.GetProperty("error").GetString());
    }

    /// <summary>Width and height from a PNG's IHDR chunk.</summary>
    private static (int Width, int Height) PngSize(byte[] png)
    {
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        return (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)),
                System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }
}

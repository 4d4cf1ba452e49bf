using System.Text;
using System.Text.Json;

namespace TinyGpt.Playground.Tests;

/// <summary>One server-sent event: its name and its JSON data.</summary>
public sealed record ServerEvent(string Name, JsonElement Data);

/// <summary>Calls <c>POST /api/generate</c> and reads its stream of events, as the page does.</summary>
public static class ServerEvents
{
    public static async Task<List<ServerEvent>> Generate(HttpClient http, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/generate")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return Parse(body);
    }

    public static List<ServerEvent> Parse(string stream) =>
        [.. stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(block =>
        {
            var lines = block.Split('\n');
            var name = lines.Single(l => l.StartsWith("event: ", StringComparison.Ordinal))["event: ".Length..];
            var data = lines.Single(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..];
            return new ServerEvent(name, JsonDocument.Parse(data).RootElement.Clone());
        })];

    /// <summary>The text of the <c>done</c> event, after checking that the tokens streamed before it add up to it.</summary>
    public static string Text(List<ServerEvent> events, string prompt)
    {
        Assert.Equal("done", events[^1].Name);
        var streamed = string.Concat(events.Where(e => e.Name == "token").Select(e => e.Data.GetProperty("text").GetString()));
        var text = events[^1].Data.GetProperty("text").GetString()!;
        Assert.Equal(text, prompt + streamed);
        return text;
    }
}

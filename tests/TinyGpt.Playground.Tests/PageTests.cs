using Microsoft.Playwright;

namespace TinyGpt.Playground.Tests;

/// <summary>
/// The playground as a person uses it, in headless Chromium, found the way assistive technology finds it: by
/// label and role. Type a prompt, press Generate, watch the text stream in and the heat map appear, try a bad
/// prompt, generate again.
/// </summary>
[Collection(PlaygroundCollection.Name)]
public sealed class PageTests(PlaygroundFixture playground) : IAsyncLifetime
{
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(BrowserFactAttribute.ChromiumPath))
            return;                                       // every test here is skipped
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = BrowserFactAttribute.ChromiumPath, Headless = true });
        _page = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1200, Height = 900 } });
        // The machine may be busy: a generation or a heat map can take a while, and waiting costs nothing when it is not.
        _page.SetDefaultTimeout(120_000);
        Assertions.SetDefaultExpectTimeout(120_000);
        await _page.GotoAsync(playground.Server.Address.ToString());
        await Assertions.Expect(_page.GetByText("4 layers × 4 heads")).ToBeVisibleAsync();
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
            await _browser.DisposeAsync();
        _playwright?.Dispose();
    }

    private ILocator Output => _page.GetByRole(AriaRole.Region, new() { Name = "Output" });

    private ILocator Generate => _page.GetByRole(AriaRole.Button, new() { Name = "Generate" });

    private ILocator HeatMap => _page.GetByRole(AriaRole.Img, new() { Name = "Attention" });

    private ILocator Alert => _page.GetByRole(AriaRole.Alert);

    [BrowserFact]
    public async Task Text_streams_into_Output_and_the_heat_map_appears()
    {
        await _page.GetByLabel("Prompt").FillAsync("ROMEO:");
        await _page.GetByLabel("Length").FillAsync("150");
        await _page.GetByLabel("Seed").FillAsync("7");
        await Generate.ClickAsync();

        // Streaming: part of the text is there while the generation is still running.
        await Assertions.Expect(Generate).ToBeDisabledAsync();
        await Assertions.Expect(Output).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^ROMEO:.+", System.Text.RegularExpressions.RegexOptions.Singleline));
        var partial = await Output.TextContentAsync();
        Assert.True(await Generate.IsDisabledAsync(), "the first characters should show before the generation ends");
        await Assertions.Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("150 characters in");
        var text = await Output.TextContentAsync();
        Assert.Equal("ROMEO:".Length + 150, text!.Length);
        Assert.True(partial!.Length < text.Length, $"got the whole text at once: '{partial}'");
        Assert.StartsWith(partial, text);

        // The heat map of every layer and head, with its accessible name, then one head chosen by label.
        await Assertions.Expect(HeatMap).ToBeVisibleAsync();
        await Assertions.Expect(HeatMap).ToHaveAttributeAsync("alt", new System.Text.RegularExpressions.Regex("all layers × heads, over the last 64 characters"));
        Assert.Equal(4 * 320, await HeatMap.EvaluateAsync<int>("img => img.naturalWidth"));
        await _page.ScreenshotAsync(new() { Path = Screenshot(), FullPage = true });

        await _page.GetByLabel("Layer").SelectOptionAsync("2");
        await _page.GetByLabel("Head").SelectOptionAsync("1");
        await Assertions.Expect(HeatMap).ToHaveAttributeAsync("alt", new System.Text.RegularExpressions.Regex("layer 2, head 1"));
        await Assertions.Expect(HeatMap).ToHaveJSPropertyAsync("naturalWidth", 320);
    }

    [BrowserFact]
    public async Task A_bad_prompt_shows_an_alert_and_the_page_keeps_working()
    {
        await _page.GetByLabel("Prompt").FillAsync("ROMEO# and Juliet");
        await _page.GetByLabel("Length").FillAsync("20");
        await Generate.ClickAsync();
        await Assertions.Expect(Alert).ToContainTextAsync("'#' (U+0023) at position 5 is not in the model's vocabulary");
        await Assertions.Expect(_page.GetByLabel("Prompt")).ToHaveAttributeAsync("aria-invalid", "true");

        await _page.GetByLabel("Temperature").FillAsync("-1");
        await _page.GetByLabel("Prompt").FillAsync("JULIET:");
        await Generate.ClickAsync();
        await Assertions.Expect(Alert).ToContainTextAsync("temperature must be positive (got -1)");

        await _page.GetByLabel("Temperature").FillAsync("0.8");
        await _page.GetByLabel("Top-k").FillAsync("0");
        await Generate.ClickAsync();
        await Assertions.Expect(Alert).ToContainTextAsync("topK must be at least 1");

        await _page.GetByLabel("Top-k").FillAsync("");
        await _page.GetByLabel("Length").FillAsync("100000");
        await Generate.ClickAsync();
        await Assertions.Expect(Alert).ToContainTextAsync($"between 1 and {PlaygroundFixture.MaxTokens}");

        await _page.GetByLabel("Length").FillAsync("20");
        await Generate.ClickAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("20 characters in");
        await Assertions.Expect(Alert).ToBeHiddenAsync();
        Assert.Equal("JULIET:".Length + 20, (await Output.TextContentAsync())!.Length);
        await Assertions.Expect(HeatMap).ToBeVisibleAsync();
    }

    /// <summary>docs/playground.png of the repository this test was built from, which README shows.</summary>
    private static string Screenshot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "TinyGpt.sln")))
            directory = directory.Parent;
        return Path.Combine(directory?.FullName ?? AppContext.BaseDirectory, "docs", "playground.png");
    }
}

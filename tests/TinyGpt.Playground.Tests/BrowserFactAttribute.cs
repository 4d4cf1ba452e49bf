namespace TinyGpt.Playground.Tests;

/// <summary>
/// A test that drives the page in Debian's headless Chromium. Without <see cref="ChromiumPath"/> it is reported as
/// skipped (decided at discovery, since xunit 2.9 cannot skip from inside a test), never as passed.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    /// <summary>Where Debian's <c>chromium</c> package puts the browser (<c>.ci/run</c> installs it).</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    public BrowserFactAttribute()
    {
        if (!File.Exists(ChromiumPath))
            Skip = $"{ChromiumPath} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests.";
    }
}

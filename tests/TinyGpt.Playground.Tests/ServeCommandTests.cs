using System.Diagnostics;
using System.Text.RegularExpressions;
using TinyGpt.App.Cli;

namespace TinyGpt.Playground.Tests;

/// <summary><c>tinygpt serve</c> as a user starts it: its own process, a free port printed, Ctrl+C to stop.</summary>
[Collection(PlaygroundCollection.Name)]
public sealed partial class ServeCommandTests(PlaygroundFixture playground)
{
    [Fact]
    public async Task Serve_prints_its_port_serves_the_page_and_stops_cleanly_on_ctrl_c()
    {
        using var server = CliRun.Start(["serve", "--checkpoint", playground.RunDirectory, "--port", "0"], defaultSigint: true);
        try
        {
            var lines = new List<string>();
            Match? listening = null;
            while (listening is not { Success: true })
            {
                var line = await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2))
                    ?? throw new Xunit.Sdk.XunitException($"serve ended before listening: {string.Join('\n', lines)}\n{await server.StandardError.ReadToEndAsync()}");
                lines.Add(line);
                listening = Listening().Match(line);
            }
            var address = new Uri(listening.Groups["url"].Value);
            Assert.Equal("127.0.0.1", address.Host);     // loopback unless --host says otherwise
            Assert.NotEqual(0, address.Port);

            using var http = new HttpClient { BaseAddress = address };
            Assert.Contains("Generate", await http.GetStringAsync("/"));

            Signal(server, "INT");
            Assert.True(server.WaitForExit(TimeSpan.FromSeconds(30)), "serve did not stop within 30 s of Ctrl+C");
            Assert.Equal(ExitCodes.Success, server.ExitCode);
            Assert.Contains("Stopping the playground.", await server.StandardOutput.ReadToEndAsync());
            Assert.Equal("", await server.StandardError.ReadToEndAsync());
        }
        finally
        {
            if (!server.HasExited)
                server.Kill(entireProcessTree: true);
        }
    }

    [Theory]
    [InlineData("--port", "70000", "--port must be between 0 and 65535 (got 70000)")]
    [InlineData("--host", "my-laptop", "--host must be an IP address")]
    [InlineData("--max-tokens", "0", "--max-tokens must be at least 1 (got 0)")]
    public void Bad_options_are_one_error_naming_the_flag(string flag, string value, string message)
    {
        var result = CliRun.InProcess("serve", "--checkpoint", playground.RunDirectory, flag, value);
        Assert.Equal(ExitCodes.UserError, result.ExitCode);
        Assert.Contains(message, result.Errors);
    }

    [GeneratedRegex(@"Listening on (?<url>http://\S+/)")]
    private static partial Regex Listening();

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString()]);
        kill.WaitForExit();
    }
}

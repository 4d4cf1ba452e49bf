using System.Net;
using TinyGpt.App.Models;
using TinyGpt.App.Playground;

namespace TinyGpt.Playground.Tests;

/// <summary>
/// A baby GPT trained for a few steps into a temporary run directory, served in-process on 127.0.0.1 at a free
/// port: shared by every test of the collection, as <c>tinygpt serve</c> would serve it.
/// </summary>
public sealed class PlaygroundFixture : IAsyncLifetime
{
    /// <summary>The server's cap on one generation, kept small so a test can exceed it cheaply.</summary>
    public const int MaxTokens = 300;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "tinygpt-playground-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public string RunDirectory => Path.Combine(_root, "baby");

    public PlaygroundServer Server { get; private set; } = null!;

    public PlaygroundModel Model { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // A few steps are enough: the tests look at the machinery, not at the quality of the text.
        using (var model = ModelCatalog.Find("baby").Create(65, seed: 1))
        {
            var options = new TrainingOptions { Steps = 6, BatchSize = 4, EvalInterval = 6, EvalIters = 1, WarmupSteps = 2, WritePlot = false, Device = "cpu" };
            new Trainer(model, Corpus.Load(), options, RunDirectory).Train();
        }
        Model = PlaygroundModel.Open(RunDirectory);
        Server = await PlaygroundServer.StartAsync(Model, IPAddress.Loopback, 0, MaxTokens);
        Http = new HttpClient { BaseAddress = Server.Address, Timeout = TimeSpan.FromMinutes(3) };
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (Server is not null)
            await Server.DisposeAsync();
        Model?.Dispose();
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class PlaygroundCollection : ICollectionFixture<PlaygroundFixture>
{
    public const string Name = "playground";
}

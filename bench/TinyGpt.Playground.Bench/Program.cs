// The playground under load: one client generating alone against eight at once, in the same run, on
// 127.0.0.1. Each request asks for the same number of characters; the phases alternate so that a change in
// the machine's load hits both. Prints p50/p95 of the time to the first character and of the whole
// generation, and the characters per second the server delivers in total.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using TinyGpt;
using TinyGpt.App.Models;
using TinyGpt.App.Playground;

var settings = Settings.Parse(args);
if (settings.Threads is { } threads)
    TorchSharp.torch.set_num_threads(threads);
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

using var playground = settings.Checkpoint is { } directory ? PlaygroundModel.Open(directory) : Fresh();
await using var server = await PlaygroundServer.StartAsync(playground, IPAddress.Loopback, 0, settings.Tokens);
using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(30) };

Console.WriteLine($"# Playground load: {playground.Description}");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {LoadAverage()}, torch threads {TorchSharp.torch.get_num_threads()}");
Console.WriteLine($"each request: {settings.Tokens} characters, top-k 10; {settings.Rounds} rounds of 1 client × {settings.Clients} requests in a row, then {settings.Clients} clients at once");
Console.WriteLine();

await Request(http, settings.Tokens, seed: 0);          // warm-up: JIT, the model's first pass, the connection
var alone = new Phase("1 client");
var together = new Phase($"{settings.Clients} clients");
for (var round = 0; round < settings.Rounds; round++)
{
    await alone.Run(async () =>
    {
        var results = new List<Timing>();
        for (var i = 0; i < settings.Clients; i++)
            results.Add(await Request(http, settings.Tokens, seed: round * 100 + i));
        return results;
    });
    await together.Run(async () =>
        [.. await Task.WhenAll(Enumerable.Range(0, settings.Clients).Select(i => Request(http, settings.Tokens, seed: round * 100 + i)))]);
    Console.Error.WriteLine($"round {round + 1}/{settings.Rounds} done");
}

Console.WriteLine("| clients | requests | first character p50 / p95 | whole generation p50 / p95 | characters/s delivered (all clients) |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var phase in new[] { alone, together })
    Console.WriteLine($"| {phase.Name} | {phase.Timings.Count} | {Ms(phase.Percentile(t => t.FirstCharacter, 50))} / {Ms(phase.Percentile(t => t.FirstCharacter, 95))} " +
                      $"| {Ms(phase.Percentile(t => t.Whole, 50))} / {Ms(phase.Percentile(t => t.Whole, 95))} | {phase.CharactersPerSecond:N0} |");
Console.WriteLine();
Console.WriteLine($"{settings.Clients} clients against 1: throughput {together.CharactersPerSecond / alone.CharactersPerSecond:0.00}×, " +
                  $"whole-generation p50 {together.Percentile(t => t.Whole, 50) / alone.Percentile(t => t.Whole, 50):0.0}×, " +
                  $"first-character p50 {together.Percentile(t => t.FirstCharacter, 50) / alone.Percentile(t => t.FirstCharacter, 50):0.0}×");
Console.WriteLine($"load average at the end: {LoadAverage()}");
return 0;

static string Ms(double seconds) => $"{seconds * 1000:N0} ms";

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "n/a";

// One generation, timed from sending the request to its first character and to its done event.
static async Task<Timing> Request(HttpClient http, int tokens, int seed)
{
    var clock = Stopwatch.StartNew();
    using var request = new HttpRequestMessage(HttpMethod.Post, "api/generate")
    {
        Content = new StringContent($$"""{"prompt": "ROMEO:", "tokens": {{tokens}}, "topK": 10, "seed": {{seed}}}""", Encoding.UTF8, "application/json"),
    };
    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    response.EnsureSuccessStatusCode();
    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
    TimeSpan? first = null;
    var characters = 0;
    while (await reader.ReadLineAsync() is { } line)
    {
        if (line == "event: token")
        {
            first ??= clock.Elapsed;
            characters++;
        }
        else if (line == "event: done")
            break;
        else if (line == "event: error")
            throw new InvalidOperationException($"the server reported an error: {await reader.ReadLineAsync()}");
    }
    if (characters != tokens)
        throw new InvalidOperationException($"got {characters} characters, asked for {tokens}");
    return new Timing(first!.Value.TotalSeconds, clock.Elapsed.TotalSeconds, characters);
}

// Speed does not depend on what the weights learned: without a checkpoint, a freshly initialized baby.
static PlaygroundModel Fresh()
{
    var tokenizer = Corpus.Load().Tokenizer;
    return new PlaygroundModel(ModelCatalog.Find("baby").Create(tokenizer.VocabSize, seed: 1337), tokenizer, "baby (4/4/128, BlockSize 64), fresh weights");
}

/// <summary>One request's times in seconds.</summary>
internal sealed record Timing(double FirstCharacter, double Whole, int Characters);

/// <summary>The requests of one kind of load, and the wall time they took together.</summary>
internal sealed class Phase(string name)
{
    public string Name { get; } = name;

    public List<Timing> Timings { get; } = [];

    private double _seconds;

    public double CharactersPerSecond => Timings.Sum(t => t.Characters) / _seconds;

    public async Task Run(Func<Task<List<Timing>>> requests)
    {
        var clock = Stopwatch.StartNew();
        Timings.AddRange(await requests());
        _seconds += clock.Elapsed.TotalSeconds;
    }

    /// <summary>Nearest-rank percentile.</summary>
    public double Percentile(Func<Timing, double> value, int percent)
    {
        var sorted = Timings.Select(value).Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(percent / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>The command line: <c>[--checkpoint DIR] [--tokens N] [--clients N] [--rounds N] [--threads N]</c> (torch threads).</summary>
internal sealed record Settings(string? Checkpoint, int Tokens, int Clients, int Rounds, int? Threads)
{
    public static Settings Parse(string[] args)
    {
        var settings = new Settings(null, 200, 8, 3, null);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            settings = args[i] switch
            {
                "--checkpoint" => settings with { Checkpoint = value },
                "--tokens" => settings with { Tokens = Positive(args[i], value) },
                "--clients" => settings with { Clients = Positive(args[i], value) },
                "--rounds" => settings with { Rounds = Positive(args[i], value) },
                "--threads" => settings with { Threads = Positive(args[i], value) },
                _ => throw new ArgumentException($"unknown option {args[i]}; the options are --checkpoint, --tokens, --clients, --rounds, --threads"),
            };
            i++;
        }
        return settings;
    }

    private static int Positive(string flag, string value) =>
        int.TryParse(value, out var number) && number > 0 ? number : throw new ArgumentException($"{flag} must be a positive whole number (got '{value}')");
}

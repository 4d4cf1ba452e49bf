using System.Net;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TinyGpt.App.Playground;

/// <summary>
/// The playground's web server (ASP.NET Core, Kestrel): the page at <c>/</c> and its API.
/// <list type="bullet">
/// <item><c>GET /api/model</c>: the model's shape and the server's limits, as JSON.</item>
/// <item><c>POST /api/generate</c> with a <see cref="GenerationRequest"/> body: server-sent events, one
/// <c>token</c> event (<c>{"text": "a"}</c>) per character, then <c>done</c> (<c>{"text": whole text}</c>).</item>
/// <item><c>GET /api/attention?text=…&amp;layer=…&amp;head=…</c>: a PNG heat map of the attention over the text's last
/// BlockSize characters (<see cref="AttentionHeatMap"/>); without layer and head, the whole layers × heads grid.</item>
/// </list>
/// A bad request gets 400 with <c>{"error": message, "field": name}</c>; nothing a client sends stops the server.
/// </summary>
public sealed class PlaygroundServer : IAsyncDisposable
{
    /// <summary>Largest request body read, in bytes.</summary>
    private const int MaxBodyBytes = 64 * 1024;

    /// <summary>Longest text the attention endpoint takes, in characters (only the last BlockSize are drawn).</summary>
    private const int MaxAttentionText = 4096;

    // Messages quote characters (a prompt's '#'); the default encoder would send them as \u0027.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly WebApplication _app;
    private readonly PlaygroundModel _model;
    private readonly int _maxTokens;

    private PlaygroundServer(WebApplication app, PlaygroundModel model, int maxTokens, Uri address)
    {
        _app = app;
        _model = model;
        _maxTokens = maxTokens;
        Address = address;
    }

    /// <summary>Where the page is, e.g. <c>http://127.0.0.1:5000/</c>.</summary>
    public Uri Address { get; }

    /// <summary>
    /// Starts serving <paramref name="model"/> on <paramref name="host"/>:<paramref name="port"/> (0 picks a free
    /// port) and returns once it listens. Generations are capped at <paramref name="maxTokens"/> characters.
    /// </summary>
    public static async Task<PlaygroundServer> StartAsync(PlaygroundModel model, IPAddress host, int port, int maxTokens, CancellationToken cancellation = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(PlaygroundServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,   // no appsettings.json or wwwroot from the current directory
            EnvironmentName = Environments.Production,
        });
        builder.Logging.ClearProviders();                 // the command prints what matters; request logs would bury it
        builder.Services.AddSingleton<IHostLifetime, CommandLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxBodyBytes;
            kestrel.Listen(host, port);
        });

        var app = builder.Build();
        PlaygroundServer? server = null;
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (BadRequestException e) when (!context.Response.HasStarted)
            {
                await WriteError(context, StatusCodes.Status400BadRequest, e.Field, e.Message);
            }
            catch (Exception) when (context.RequestAborted.IsCancellationRequested)
            {
                // the client went away; nothing to answer
            }
            catch (Exception e) when (!context.Response.HasStarted)
            {
                await WriteError(context, StatusCodes.Status500InternalServerError, null,
                    $"Unexpected {e.GetType().Name}: {e.Message} (this is a bug in TinyGpt).");
            }
        });
        app.MapGet("/", context => Page(context, "index.html", "text/html; charset=utf-8"));
        app.MapGet("/playground.js", context => Page(context, "playground.js", "text/javascript; charset=utf-8"));
        app.MapGet("/playground.css", context => Page(context, "playground.css", "text/css; charset=utf-8"));
        app.MapGet("/api/model", context => server!.ModelInfo(context));
        app.MapPost("/api/generate", context => server!.Generate(context));
        app.MapGet("/api/attention", context => server!.Attention(context));

        await app.StartAsync(cancellation);
        var bound = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server = new PlaygroundServer(app, model, maxTokens, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
        return server;
    }

    /// <summary>Stops listening, letting running requests end (they are cancelled after a short grace period).</summary>
    public async Task StopAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(grace.Token);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task Page(HttpContext context, string name, string contentType)
    {
        await using var page = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Playground/{name}")
            ?? throw new InvalidOperationException($"The page resource {name} is missing from the build.");
        context.Response.ContentType = contentType;
        context.Response.Headers.CacheControl = "no-cache";
        await page.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private Task ModelInfo(HttpContext context)
    {
        var config = _model.Model.Config;
        var defaults = GenerationRequest.Default;
        return context.Response.WriteAsJsonAsync(new
        {
            name = _model.Model.GetName(),
            description = _model.Description,
            layers = config.Layers,
            heads = config.Heads,
            blockSize = config.BlockSize,
            vocabSize = _model.Tokenizer.VocabSize,
            maxTokens = _maxTokens,
            defaults = new { prompt = defaults.Prompt, tokens = Math.Min(defaults.Tokens, _maxTokens), defaults.Temperature, defaults.TopK, defaults.Seed },
        }, Json, context.RequestAborted);
    }

    private async Task Generate(HttpContext context)
    {
        var request = GenerationRequest.Parse(await ReadBody(context), _maxTokens, _model.Tokenizer);
        var cancellation = context.RequestAborted;
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(cancellation);

        // The model runs on a thread of its own (it blocks while waiting for its turn); characters come back
        // through a channel and go out as they arrive, several in one write when the client is slower.
        var characters = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var generation = Task.Factory.StartNew(() =>
        {
            try
            {
                return _model.Generate(request, text => characters.Writer.TryWrite(text), cancellation);
            }
            finally
            {
                characters.Writer.Complete();
            }
        }, cancellation, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        while (await characters.Reader.WaitToReadAsync(cancellation))
        {
            while (characters.Reader.TryRead(out var text))
                await WriteEvent(response, "token", new { text }, cancellation);
            await response.Body.FlushAsync(cancellation);
        }
        try
        {
            await WriteEvent(response, "done", new { text = await generation }, cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await WriteEvent(response, "error", new { error = e.Message }, cancellation);
        }
        await response.Body.FlushAsync(cancellation);
    }

    private async Task Attention(HttpContext context)
    {
        var query = context.Request.Query;
        var text = query["text"].ToString();
        if (text.Length == 0)
            throw new BadRequestException("text", "text is missing: give the text whose attention to draw, e.g. /api/attention?text=ROMEO.");
        if (text.Length > MaxAttentionText)
            throw new BadRequestException("text", $"text has {text.Length:N0} characters; send at most {MaxAttentionText:N0} (only the last BlockSize are drawn).");
        var config = _model.Model.Config;
        var layer = ReadIndex(query["layer"], "layer", config.Layers);
        var head = ReadIndex(query["head"], "head", config.Heads);

        AttentionMap map;
        try
        {
            map = await Task.Factory.StartNew(() => _model.Attention(text, context.RequestAborted),
                context.RequestAborted, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        catch (TinyGptException e)
        {
            throw new BadRequestException("text", e.Message);
        }
        var png = AttentionHeatMap.RenderPng(map, layer, head);
        context.Response.ContentType = "image/png";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.Body.WriteAsync(png, context.RequestAborted);
    }

    private static int? ReadIndex(string? value, string field, int count)
    {
        if (string.IsNullOrEmpty(value) || value == "all")
            return null;
        if (!int.TryParse(value, out var index) || index < 0 || index >= count)
            throw new BadRequestException(field, $"{field} must be 'all' or a number from 0 to {count - 1} (got '{value}').");
        return index;
    }

    private static async Task<byte[]> ReadBody(HttpContext context)
    {
        using var body = new MemoryStream();
        try
        {
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new BadRequestException("body", $"The request body is larger than {MaxBodyBytes / 1024} KiB.");
        }
        return body.ToArray();
    }

    private static async Task WriteEvent(HttpResponse response, string name, object data, CancellationToken cancellation) =>
        await response.WriteAsync($"event: {name}\ndata: {JsonSerializer.Serialize(data, Json)}\n\n", cancellation);

    private static async Task WriteError(HttpContext context, int status, string? field, string message)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new { error = message, field }, Json);
    }

    /// <summary>
    /// Leaves Ctrl+C and SIGTERM to the <c>tinygpt</c> command, which already turns them into a cancellation:
    /// ASP.NET's console lifetime would otherwise take the same signals and stop the host on its own.
    /// </summary>
    private sealed class CommandLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

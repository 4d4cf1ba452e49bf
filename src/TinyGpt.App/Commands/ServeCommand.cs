using System.Net.Sockets;
using Spectre.Console;
using Spectre.Console.Cli;
using TinyGpt.App.Cli;
using TinyGpt.App.Playground;

namespace TinyGpt.App.Commands;

/// <summary>
/// <c>tinygpt serve</c>: the playground, a page in the browser that streams text from a trained checkpoint
/// and draws where each attention head looks. Runs until Ctrl+C (or SIGTERM), then stops cleanly.
/// </summary>
public sealed class ServeCommand(IAnsiConsole console) : AsyncCommand<ServeSettings>
{
    /// <inheritdoc />
    public override async Task<int> ExecuteAsync(CommandContext context, ServeSettings settings, CancellationToken cancellationToken)
    {
        using var playground = PlaygroundModel.Open(settings.Checkpoint, TorchDevice.Resolve(settings.Device));

        PlaygroundServer server;
        try
        {
            server = await PlaygroundServer.StartAsync(playground, settings.Address, settings.Port, settings.MaxTokens, cancellationToken);
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
        {
            throw new TinyGptException($"Port {settings.Port} on {settings.Host} is already in use; pick another --port, or --port 0 for a free one.");
        }
        catch (IOException e)
        {
            throw new TinyGptException($"Cannot listen on {settings.Host}:{settings.Port}: {e.Message}");
        }

        await using (server)
        {
            console.MarkupLine($"Playground for [bold]{playground.Description.EscapeMarkup()}[/]");
            console.MarkupLine($"Listening on [bold]{server.Address}[/] (port {server.Address.Port}); Ctrl+C stops it.");
            if (!System.Net.IPAddress.IsLoopback(settings.Address))
                console.MarkupLine($"[yellow]warning:[/] {settings.Host.EscapeMarkup()} is not loopback: anyone who can reach this machine can use the playground.");
            console.Profile.Out.Writer.Flush();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                console.MarkupLine("Stopping the playground.");
            }
        }
        return ExitCodes.Success;
    }
}

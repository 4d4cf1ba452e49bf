namespace TinyGpt.App.Playground;

/// <summary>
/// A first-come, first-served lock for the one model every request shares: a model's forward pass is not
/// thread-safe, so only the holder of the turn may run it. A generation gives its turn up after every token
/// (<see cref="Turn.Pass"/>) and queues again, so eight clients stream side by side instead of one after another.
/// </summary>
internal sealed class Turns
{
    private readonly object _gate = new();
    private long _nextTicket;
    private long _serving;

    /// <summary>Waits until every request that queued earlier has had its turn, then holds it.</summary>
    public Turn Take(CancellationToken cancellation)
    {
        Wait(cancellation);
        return new Turn(this, cancellation);
    }

    private void Wait(CancellationToken cancellation)
    {
        lock (_gate)
        {
            var ticket = _nextTicket++;
            while (_serving != ticket)
                Monitor.Wait(_gate);
        }
        // A cancelled waiter still waits for its ticket and hands it on: skipping it would stall everyone after it.
        if (cancellation.IsCancellationRequested)
        {
            Release();
            cancellation.ThrowIfCancellationRequested();
        }
    }

    private void Release()
    {
        lock (_gate)
        {
            _serving++;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>The right to run the model, until disposed.</summary>
    public sealed class Turn(Turns turns, CancellationToken cancellation) : IDisposable
    {
        private bool _held = true;

        /// <summary>Lets everyone queued meanwhile run once, then holds the turn again.</summary>
        public void Pass()
        {
            _held = false;
            turns.Release();
            turns.Wait(cancellation);
            _held = true;
        }

        /// <summary>Gives the turn up.</summary>
        public void Dispose()
        {
            if (!_held)
                return;
            _held = false;
            turns.Release();
        }
    }
}

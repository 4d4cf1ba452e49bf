using System.Diagnostics;
using System.Text.Json.Nodes;

namespace TinyGpt.Bench;

/// <summary>
/// bench/pytorch_train.py <c>serve</c> in a child process that steps on request, so that short chunks of
/// PyTorch steps can alternate with TinyGpt's in one run and a change of load falls on both sides alike.
/// </summary>
internal sealed class PyTorchWorker : IDisposable
{
    private readonly Process _process;

    public PyTorchWorker(string script, string specPath, int threads)
    {
        var info = new ProcessStartInfo(PyTorch.Python) { RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var a in new[] { script, "serve", "--spec", specPath, "--threads", threads.ToString() })
            info.ArgumentList.Add(a);
        PyTorch.Configure(info, threads);
        _process = Process.Start(info)!;
        var ready = Read();
        Threads = (int)ready["threads"]!;
    }

    /// <summary>torch.get_num_threads() in the worker.</summary>
    public int Threads { get; }

    /// <summary>torch.set_num_threads in the worker (up to the OMP_NUM_THREADS it started with).</summary>
    public void SetThreads(int threads)
    {
        _process.StandardInput.WriteLine($"threads {threads}");
        _process.StandardInput.Flush();
        Read();
    }

    /// <summary>Runs <paramref name="steps"/> training steps; their seconds in all and by phase.</summary>
    public (double Seconds, JsonObject Phases) Step(int steps)
    {
        _process.StandardInput.WriteLine($"steps {steps}");
        _process.StandardInput.Flush();
        var answer = Read();
        return ((double)answer["seconds"]!, answer["phases"]!.AsObject());
    }

    private JsonNode Read() =>
        JsonNode.Parse(_process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("pytorch_train.py serve ended early (see its stderr above)."))!;

    public void Dispose()
    {
        try
        {
            _process.StandardInput.WriteLine("quit");
            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000))
                _process.Kill();
        }
        finally
        {
            _process.Dispose();
        }
    }
}

namespace TinyGpt.App.Tests;

/// <summary>A bigram run trained once by the CLI (a few steps), shared by the tests that need a checkpoint.</summary>
public sealed class TrainedBigram : IDisposable
{
    private readonly TempDir _dir = new();

    public TrainedBigram()
    {
        Result = CliRun.InProcess(["train", .. Args(RunDirectory)]);
        if (Result.ExitCode != 0)
            throw new InvalidOperationException($"training the shared bigram run failed: {Result}");
    }

    /// <summary>Tiny settings: 20 steps, an evaluation every 10 over 2 batches.</summary>
    public static string[] Args(string outDirectory, int steps = 20) =>
        ["--model", "bigram", "--steps", steps.ToString(), "--batch-size", "8", "--eval-interval", "10", "--eval-iters", "2", "--out", outDirectory];

    public string RunDirectory => _dir.File("bigram");

    public CliResult Result { get; }

    /// <summary>A copy of the run in a fresh directory, for tests that damage it.</summary>
    public string CopyRun(TempDir into)
    {
        var target = into.File("copy");
        foreach (var file in Directory.EnumerateFiles(RunDirectory, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(RunDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
        return target;
    }

    public void Dispose() => _dir.Dispose();
}

[CollectionDefinition(Name)]
public sealed class TrainedBigramCollection : ICollectionFixture<TrainedBigram>
{
    public const string Name = "trained bigram";
}

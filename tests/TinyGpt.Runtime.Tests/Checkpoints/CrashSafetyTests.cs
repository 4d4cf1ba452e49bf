using System.Diagnostics;
using Xunit;

namespace TinyGpt.Runtime.Tests;

[Collection(ChildProcesses.Name)]
public class CrashSafetyTests
{
    [Fact]
    public void Killing_the_trainer_at_random_moments_always_leaves_a_loadable_checkpoint()
    {
        using var dir = new TempDir();
        var corpus = Tiny.Corpus();
        var random = new Random(2024);
        var steps = new List<int>();
        for (var trial = 0; trial < 20; trial++)
        {
            var before = PointerTarget(dir.Path);
            using var child = Process.Start(new ProcessStartInfo("dotnet", [typeof(CrashChild).Assembly.Location, CrashChild.Command, dir.Path])
            {
                RedirectStandardError = true,   // read only once it has exited
            })!;
            // Wait until this child has written a checkpoint of its own, then kill it at a random moment
            // (the child saves after every step, so most moments fall inside a save).
            var deadline = Stopwatch.StartNew();
            while (PointerTarget(dir.Path) == before && !child.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(60))
                Thread.Sleep(5);
            if (child.HasExited)
                Assert.Fail($"trial {trial}: the child exited with {child.ExitCode}: {child.StandardError.ReadToEnd()}");
            Thread.Sleep(random.Next(0, 150));
            child.Kill();                                   // SIGKILL
            child.WaitForExit();

            var checkpoint = Checkpoint.Open(dir.Path);
            checkpoint.LoadWeights(CrashChild.Model(corpus));
            Assert.True(checkpoint.HasOptimizerState);
            steps.Add(checkpoint.Metadata.Step);
        }
        Assert.True(steps.SequenceEqual(steps.Order()), $"the resumed runs went back in time: {string.Join(", ", steps)}");
    }

    private static string? PointerTarget(string run)
    {
        try { return File.ReadAllText(Path.Combine(run, Checkpoint.LatestPointer)); }
        catch (IOException) { return null; }
    }
}

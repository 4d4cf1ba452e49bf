using TorchSharp;
using Xunit;

namespace TinyGpt.Runtime.Tests;

public class MemoryTests
{
    [Fact]
    public void Training_steps_and_evaluations_leave_no_live_tensors_behind()
    {
        using var dir = new TempDir();
        var corpus = Tiny.Corpus();
        var live = new Dictionary<int, long>();
        var progress = new SyncProgress(p => live[p.Step] = DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        new Trainer(Tiny.Model(corpus), corpus, Tiny.Options(steps: 60) with { EvalInterval = 20 }, dir.Path).Train(progress);
        Assert.Equal(live[10], live[55]);      // between evaluations
        Assert.Equal(live[20], live[60]);      // after evaluations and checkpoints
    }
}

using Xunit;

// Tests run in parallel: every model draws its weights and dropout masks from its own generator,
// seeded through its constructor, and inputs come from generators of their own. Two kinds of test
// still run alone, in the collections below.

namespace TinyGpt.Runtime.Tests
{
    /// <summary>
    /// Tests about torch's one default generator itself (that an unseeded model or FastDropout follows
    /// <c>torch.manual_seed</c>, that nothing else does): a parallel test drawing from it between their
    /// seed and their draw would change what they see.
    /// </summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class TorchDefaultGenerator
    {
        public const string Name = "torch's default generator";
    }

    /// <summary>Tests that start, time and kill child processes: alone, so a loaded machine does not stretch their deadlines.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class ChildProcesses
    {
        public const string Name = "child processes";
    }
}

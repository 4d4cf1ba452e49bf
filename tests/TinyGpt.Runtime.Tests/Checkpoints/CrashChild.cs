namespace TinyGpt.Runtime.Tests;

/// <summary>
/// The test assembly's entry point. Under the test runner it is never called; the SIGKILL test
/// starts this assembly as a process (<c>dotnet TinyGpt.Runtime.Tests.dll crash-child DIR</c>) that
/// trains with a checkpoint after every step until it is killed.
/// </summary>
public static class CrashChild
{
    public const string Command = "crash-child";

    public static int Main(string[] args)
    {
        if (args is not [Command, var runDirectory])
        {
            Console.Error.WriteLine($"usage: {Command} RUN_DIRECTORY");
            return 2;
        }
        var corpus = Tiny.Corpus();
        var model = Model(corpus);
        var options = Tiny.Options(steps: 1_000_000) with { EvalInterval = 1, EvalIters = 1, Resume = Checkpoint.Exists(runDirectory) };
        new Trainer(model, corpus, options, runDirectory).Train();
        return 0;
    }

    /// <summary>Wide enough that a checkpoint takes a few milliseconds to write.</summary>
    public static TinyLm Model(Corpus corpus)
    {
        TorchSharp.torch.random.manual_seed(1);
        return new TinyLm(corpus.Tokenizer.VocabSize, embd: 384);
    }
}

using TinyGpt.App.Cli;

namespace TinyGpt.App.Tests;

/// <summary>The runtime speaks C#; the command line rewords each message in its flags, as it always printed them.</summary>
public sealed class OptionFlagsTests
{
    public static TheoryData<Action, string> Mistakes => new()
    {
        { () => new TrainingOptions { LearningRate = -1 }.Validate(), "--lr must be a positive number (got -1)." },
        { () => new TrainingOptions { MinLearningRate = 1 }.Validate(), "--min-lr must be between 0 and --lr (0.001) (got 1)." },
        { () => new TrainingOptions { Precision = (Precision)7 }.Validate(), "--precision must be Float32, BFloat16 or Auto (got 7)." },
        { () => new TrainingOptions { Resume = true, Overwrite = true }.Validate(),
            "--resume continues the run in --out and --overwrite replaces it: give one of them." },
        { () => new SamplingOptions { Temperature = 0 }.Validate(),
            "--temperature must be a positive number (got 0); use a small value such as 0.1 for nearly greedy text, or --top-k 1 for greedy." },
        { () => new SamplingOptions { TopK = 0 }.Validate(), "--top-k must be at least 1 (got 0); omit it to sample from every token." },
        { () => new SamplingOptions { MaxNewTokens = -3 }.Validate(), "--tokens must be 0 or more (got -3)." },
        { () => TorchDevice.Resolve("cuda", "TrainingOptions.Device"),
            "--device cuda: CUDA is not available here (available: cpu only). Use --device cpu, or build with " +
            "-p:TinyGptTorchBackend=cuda-linux (or cuda-windows) on a machine with an NVIDIA GPU." },
        { () => TorchDevice.Resolve("tpu"), "--device tpu is not a device; use auto, cpu or cuda (available: cpu only)." },
        { () => TorchDevice.SetThreads(-1), "--threads must be 1 or more (got -1); leave it out for libtorch's default." },
        { () => Corpus.Load("/nonexistent/corpus.txt"),
            "The corpus file '/nonexistent/corpus.txt' does not exist; check the path given to --data, or leave it out to use Tiny Shakespeare." },
        { () => Checkpoint.Open("/nonexistent/run"), "The checkpoint '/nonexistent/run' does not exist; pass the run directory that training wrote (its --out)." },
        { () => Trainer.OpenForResume("/nonexistent/run"),
            "There is nothing to resume in '/nonexistent/run' (no checkpoint); drop --resume to start a new run there, or point --out at an earlier run." },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void Runtime_errors_read_in_flags(Action mistake, string cli)
    {
        var e = Assert.Throws<TinyGptException>(mistake);
        Assert.DoesNotContain("--", e.Message);                             // the library speaks C# ...
        Assert.NotNull(e.Option);
        Assert.NotNull(OptionFlags.FlagFor(e.Option));                      // ... every option it names has a flag ...
        Assert.Equal(cli, OptionFlags.Translate(e));                        // ... and the command line reads as it always did
    }

    [Fact]
    public void A_message_naming_no_option_is_printed_as_it_is()
    {
        var e = new TinyGptException("The corpus 'x' is empty; give a text file with at least a few hundred characters.");
        Assert.Equal(e.Message, OptionFlags.Translate(e));
    }
}

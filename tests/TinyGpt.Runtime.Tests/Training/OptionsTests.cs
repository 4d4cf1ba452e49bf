using Xunit;

namespace TinyGpt.Runtime.Tests;

public class OptionsTests
{
    [Fact]
    public void Schedule_warms_up_linearly_then_decays_by_cosine_to_the_minimum()
    {
        var schedule = new LearningRateSchedule(Peak: 1e-3, Min: 1e-4, WarmupSteps: 100, DecaySteps: 2000);
        Assert.Equal(1e-3 * 1 / 101, schedule.At(0), 12);
        Assert.Equal(1e-3 * 50 / 101, schedule.At(49), 12);
        Assert.Equal(1e-3, schedule.At(100), 12);
        Assert.Equal(1e-4 + 0.5 * 9e-4, schedule.At(1050), 12);       // halfway down the cosine
        Assert.Equal(1e-4, schedule.At(2000), 12);
        Assert.Equal(1e-4, schedule.At(5000), 12);
        for (var s = 101; s < 2000; s++)
            Assert.True(schedule.At(s) <= schedule.At(s - 1));
    }

    [Fact]
    public void Schedule_follows_the_options()
    {
        var schedule = LearningRateSchedule.From(new TrainingOptions { LearningRate = 0.5, MinLearningRate = 0.05, WarmupSteps = 0, Steps = 10 });
        Assert.Equal(0.5, schedule.At(0), 12);
        Assert.Equal(0.05, schedule.At(10), 12);
    }

    public static TheoryData<TrainingOptions, string, string> TrainingMistakes => new()
    {
        { new TrainingOptions { LearningRate = -1 }, "TrainingOptions.LearningRate", "TrainingOptions.LearningRate must be a positive number (got -1)." },
        { new TrainingOptions { Steps = 0 }, "TrainingOptions.Steps", "TrainingOptions.Steps must be at least 1 (got 0)." },
        { new TrainingOptions { BatchSize = 0 }, "TrainingOptions.BatchSize", "TrainingOptions.BatchSize must be at least 1 (got 0)." },
        { new TrainingOptions { LearningRate = 1e-3, MinLearningRate = 1e-2 }, "TrainingOptions.MinLearningRate",
            "TrainingOptions.MinLearningRate must be between 0 and TrainingOptions.LearningRate (0.001) (got 0.01)." },
        { new TrainingOptions { EvalIters = 0 }, "TrainingOptions.EvalIters", "TrainingOptions.EvalIters must be at least 1 (got 0)." },
        { new TrainingOptions { Resume = true, Overwrite = true }, "TrainingOptions.Resume",
            "TrainingOptions.Resume continues the run in Trainer.RunDirectory and TrainingOptions.Overwrite replaces it: give one of them." },
        { new TrainingOptions { EvalInterval = 0 }, "TrainingOptions.EvalInterval", "TrainingOptions.EvalInterval must be at least 1 (got 0)." },
        { new TrainingOptions { WarmupSteps = 10, DecaySteps = 5 }, "TrainingOptions.DecaySteps",
            "TrainingOptions.DecaySteps (5) must not be less than TrainingOptions.WarmupSteps (10)" },
    };

    [Theory]
    [MemberData(nameof(TrainingMistakes))]
    public void Nonsense_training_options_name_their_property(TrainingOptions options, string property, string message)
    {
        LibraryError.Assert(() => options.Validate(), property, message);
        var corpus = Tiny.Corpus();
        LibraryError.Assert(() => new Trainer(Tiny.Model(corpus), corpus, options, "unused"), property, message);   // the trainer refuses them too
    }

    public static TheoryData<SamplingOptions, string, string> SamplingMistakes => new()
    {
        { new SamplingOptions { Temperature = 0 }, "SamplingOptions.Temperature",
            "SamplingOptions.Temperature must be a positive number (got 0); use a small value such as 0.1 for nearly greedy text, or SamplingOptions.TopK = 1 for greedy." },
        { new SamplingOptions { TopK = 0 }, "SamplingOptions.TopK", "SamplingOptions.TopK must be at least 1 (got 0); leave it null to sample from every token." },
        { new SamplingOptions { MaxNewTokens = -3 }, "SamplingOptions.MaxNewTokens", "SamplingOptions.MaxNewTokens must be 0 or more (got -3)." },
        { new SamplingOptions { NumSamples = 0 }, "SamplingOptions.NumSamples", "SamplingOptions.NumSamples must be at least 1 (got 0)." },
    };

    [Theory]
    [MemberData(nameof(SamplingMistakes))]
    public void Nonsense_sampling_options_name_their_property(SamplingOptions options, string property, string message)
    {
        LibraryError.Assert(() => options.Validate(), property, message);
        var corpus = Tiny.Corpus();
        LibraryError.Assert(() => new Sampler(Tiny.Model(corpus), corpus.Tokenizer).Generate(options), property, message);
    }

    [Fact]
    public void Devices_resolve_and_cuda_without_a_gpu_says_what_is_available()
    {
        Assert.Equal(TorchSharp.DeviceType.CPU, TorchDevice.Resolve("cpu").type);
        Assert.Equal(TorchSharp.DeviceType.CPU, TorchDevice.Resolve("auto").type);   // no GPU on this machine
        var e = Assert.Throws<TinyGptException>(() => TorchDevice.Resolve("cuda"));
        Assert.Contains("CUDA is not available", e.Message);
        Assert.Contains("available: cpu", e.Message);
        Assert.Contains("auto, cpu or cuda", Assert.Throws<TinyGptException>(() => TorchDevice.Resolve("tpu")).Message);
    }

    [Fact]
    public void Training_on_cuda_without_a_gpu_names_the_device_option()
    {
        var corpus = Tiny.Corpus();
        var e = LibraryError.Assert(() => new Trainer(Tiny.Model(corpus), corpus, Tiny.Options() with { Device = "cuda" }, "unused"),
            "TrainingOptions.Device", "TrainingOptions.Device = \"cuda\": CUDA is not available here (available: cpu only).");
        Assert.EndsWith("Use TrainingOptions.Device = \"cpu\", or build with -p:TinyGptTorchBackend=cuda-linux (or cuda-windows) on a machine with an NVIDIA GPU.", e.Message);
    }
}

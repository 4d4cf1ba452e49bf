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

    [Theory]
    [InlineData("steps", "--steps must be at least 1 (got -1)")]
    [InlineData("batch", "--batch-size must be at least 1 (got 0)")]
    [InlineData("lr", "--lr must be a positive number (got 0)")]
    [InlineData("minlr", "--min-lr must be between 0 and --lr")]
    [InlineData("eval", "--eval-interval must be at least 1")]
    public void Nonsense_training_numbers_are_named(string which, string message)
    {
        var options = which switch
        {
            "steps" => new TrainingOptions { Steps = -1 },
            "batch" => new TrainingOptions { BatchSize = 0 },
            "lr" => new TrainingOptions { LearningRate = 0 },
            "minlr" => new TrainingOptions { MinLearningRate = 1 },
            _ => new TrainingOptions { EvalInterval = 0 },
        };
        var e = Assert.Throws<TinyGptException>(() => options.Validate());
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData(0.0, null, "--temperature must be a positive number")]
    [InlineData(-1.0, null, "--temperature must be a positive number")]
    [InlineData(1.0, 0, "--top-k must be at least 1")]
    public void Nonsense_sampling_numbers_are_named(double temperature, int? topK, string message)
    {
        var e = Assert.Throws<TinyGptException>(() => new SamplingOptions { Temperature = temperature, TopK = topK }.Validate());
        Assert.Contains(message, e.Message);
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
}

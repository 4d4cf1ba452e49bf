using System.ComponentModel;
using Spectre.Console.Cli;
using TinyGpt.App.Cli;

namespace TinyGpt.App.Commands;

/// <summary>The options of <c>tinygpt sample</c>.</summary>
public sealed class SampleSettings : TinyGptSettings
{
    [CommandOption("-c|--checkpoint <DIR>", isRequired: true)]
    [Description("The run directory written by 'tinygpt train' (its --out).")]
    public string Checkpoint { get; init; } = "";

    [CommandOption("-p|--prompt <TEXT>")]
    [Description("Text the samples continue; every character must be in the model's vocabulary. Default: a newline.")]
    [DefaultValue("\n")]
    public string Prompt { get; init; } = "\n";

    [CommandOption("-n|--tokens <N>")]
    [Description("New characters per sample.")]
    [DefaultValue(500)]
    public int Tokens { get; init; } = 500;

    [CommandOption("-t|--temperature <X>")]
    [Description("Divides the logits: below 1 is more conservative, above 1 more adventurous.")]
    [DefaultValue(0.8)]
    public double Temperature { get; init; } = 0.8;

    [CommandOption("-k|--top-k <N>")]
    [Description("Sample only among the N likeliest characters (1 is greedy). Default: all.")]
    public int? TopK { get; init; }

    [CommandOption("--num-samples <N>")]
    [Description("How many samples to write, one after another.")]
    [DefaultValue(1)]
    public int NumSamples { get; init; } = 1;

    [CommandOption("--seed <N>")]
    [Description("Seed of the sampling: same seed, same text.")]
    [DefaultValue(1337)]
    public int Seed { get; init; } = 1337;

    [CommandOption("--device <DEVICE>")]
    [Description("auto, cpu or cuda; auto takes CUDA when libtorch reports it.")]
    [DefaultValue("auto")]
    public string Device { get; init; } = "auto";

    [CommandOption("--precision <PRECISION>")]
    [Description("auto, float32 or bfloat16: the compute precision of sampling. Default: the precision the checkpoint was trained in.")]
    public string? Precision { get; init; }

    /// <inheritdoc />
    protected override string? Check() =>
        string.IsNullOrWhiteSpace(Checkpoint) ? "--checkpoint needs a run directory, e.g. --checkpoint runs/baby."
        : PrecisionOption.Problem(Precision) ?? base.Check();
}

using System.ComponentModel;
using Spectre.Console.Cli;
using TinyGpt.App.Cli;
using TinyGpt.App.Models;

namespace TinyGpt.App.Commands;

/// <summary>
/// The options of <c>tinygpt train</c>; unset numbers take the model's <see cref="TrainingDefaults"/>,
/// or, with <c>--resume</c>, the options the run was started with.
/// </summary>
public sealed class TrainSettings : TinyGptSettings
{
    [CommandOption("-m|--model <NAME>")]
    [Description("The model to train: baby, shakespeare, lecture, modern or bigram. Default: baby, or with --resume the checkpoint's model.")]
    public string? Model { get; init; }

    [CommandOption("--steps <N>")]
    [Description("Optimizer steps in total (a resumed run counts the steps already done). Default: the model's ('tinygpt info' lists each model's defaults).")]
    public int? Steps { get; init; }

    [CommandOption("--batch-size <N>")]
    [Description("Sequences per step. Default: the model's.")]
    public int? BatchSize { get; init; }

    [CommandOption("--lr <X>")]
    [Description("Peak learning rate, reached after the warmup. Default: the model's.")]
    public double? LearningRate { get; init; }

    [CommandOption("--min-lr <X>")]
    [Description("Learning rate at the end of the cosine decay. Default: the model's.")]
    public double? MinLearningRate { get; init; }

    [CommandOption("--warmup <N>")]
    [Description("Steps of linear warmup. Default: the model's.")]
    public int? Warmup { get; init; }

    [CommandOption("--lr-decay-steps <N>")]
    [Description("Step at which the cosine decay reaches --min-lr (nanoGPT's lr_decay_iters). Default: --steps. Set it to the final step when you plan to extend a run with --resume, so the split run learns exactly as one long run.")]
    public int? LrDecaySteps { get; init; }

    [CommandOption("--eval-interval <N>")]
    [Description("Estimate train and val loss (and save a checkpoint) every N steps. Default: the model's.")]
    public int? EvalInterval { get; init; }

    [CommandOption("--eval-iters <N>")]
    [Description("Batches averaged per loss estimate. Default: the model's.")]
    public int? EvalIters { get; init; }

    [CommandOption("-o|--out <DIR>")]
    [Description("Run directory for checkpoints, log.csv and the loss curve. Default: runs/<model>.")]
    public string? Out { get; init; }

    [CommandOption("--seed <N>")]
    [Description("Seed of every random stream: same seed, same run (on CPU). Default: 1337 (with --resume: the run's).")]
    public int? Seed { get; init; }

    [CommandOption("-d|--data <PATH>")]
    [Description("A UTF-8 text file to train on. Default: the embedded Tiny Shakespeare.")]
    public string? Data { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("auto, cpu or cuda; auto takes CUDA when libtorch reports it.")]
    [DefaultValue("auto")]
    public string Device { get; init; } = "auto";

    [CommandOption("--precision <PRECISION>")]
    [Description("auto, float32 or bfloat16: the compute precision (weights stay float32). auto takes bfloat16 where the CPU has native bfloat16 dot products (avx512_bf16 or AMX) and a bfloat16 matmul measures faster than float32 ('tinygpt info' says what it picks here and why), float32 elsewhere. Default: auto, or with --resume the run's.")]
    public string? Precision { get; init; }

    [CommandOption("--threads <N>")]
    [Description("CPU threads for libtorch. Default: libtorch's choice.")]
    public int? Threads { get; init; }

    [CommandOption("--resume")]
    [Description("Continue the run saved in --out where it stopped; options left out keep the run's values.")]
    public bool Resume { get; init; }

    [CommandOption("--overwrite")]
    [Description("Start afresh in --out even though it holds a run, deleting its checkpoints (refused without it).")]
    public bool Overwrite { get; init; }

    /// <inheritdoc />
    protected override string? Check() => PrecisionOption.Problem(Precision) ?? base.Check();
}

using System.Globalization;
using Spectre.Console;

namespace TinyGpt.App.Cli;

/// <summary>
/// Shows training as it runs: a live progress bar (step, losses, tokens/s, ETA) on a terminal,
/// plain periodic lines when output goes to a file or pipe (CI, tests), and a line for every
/// evaluation either way.
/// </summary>
public static class TrainingView
{
    /// <summary>Runs <paramref name="train"/>, handing it the progress sink that draws on <paramref name="console"/>.</summary>
    public static TrainingResult Show(IAnsiConsole console, int startStep, int totalSteps, Func<IProgress<TrainingProgress>, TrainingResult> train)
    {
        if (!console.Profile.Capabilities.Interactive || !console.Profile.Capabilities.Ansi)
            return train(new PlainLines(console, totalSteps));

        return console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Describe(startStep, totalSteps, null, null).EscapeMarkup(), maxValue: totalSteps);
                task.Value = startStep;
                var result = train(new LiveBar(console, task));
                task.StopTask();
                return result;
            });
    }

    /// <summary>The bar's text: <c>step 120/2000 · loss 2.314 · 12.3k tok/s · ETA 01:23</c>.</summary>
    private static string Describe(int step, int total, TrainingProgress? p, double? lastVal)
    {
        var width = total.ToString(CultureInfo.InvariantCulture).Length;
        var text = $"step {step.ToString(CultureInfo.InvariantCulture).PadLeft(width)}/{total}";
        if (p is not null)
            text += Numbers.Invariant($" · loss {p.Loss:F3}") + (lastVal is { } v ? Numbers.Invariant($" · val {v:F3}") : "") +
                    $" · {Speed(p.TokensPerSecond)} · ETA {Clock(p.Eta)}";
        return text;
    }

    /// <summary>One evaluation: <c>step 250: train 2.1234, val 2.1567</c>.</summary>
    private static string Evaluation(TrainingProgress p) =>
        Numbers.Invariant($"step {p.Step}: train loss {p.TrainLoss:F4}, val loss {p.ValLoss:F4}, lr {p.LearningRate:0.###e+0}");

    private static string Speed(double tokensPerSecond) =>
        tokensPerSecond >= 1000 ? Numbers.Invariant($"{tokensPerSecond / 1000:F1}k tok/s") : Numbers.Invariant($"{tokensPerSecond:F0} tok/s");

    private static string Clock(TimeSpan t) =>
        t.TotalHours >= 1
            ? $"{(long)t.TotalHours}:{t.ToString(@"mm\:ss", CultureInfo.InvariantCulture)}"
            : t.ToString(@"mm\:ss", CultureInfo.InvariantCulture);

    /// <summary>The terminal: one bar, redrawn in place; evaluations print above it.</summary>
    private sealed class LiveBar(IAnsiConsole console, ProgressTask task) : IProgress<TrainingProgress>
    {
        private double? _lastVal;

        public void Report(TrainingProgress p)
        {
            if (p.Evaluated)
            {
                _lastVal = p.ValLoss;
                console.MarkupLine($"[grey]{Evaluation(p).EscapeMarkup()}[/]");
            }
            task.Description = Describe(p.Step, p.TotalSteps, p, _lastVal).EscapeMarkup();
            task.Value = p.Step;
        }
    }

    /// <summary>
    /// Not a terminal: a line at every evaluation, after the first step, about every 5 % of the
    /// steps, and at least every <see cref="Quiet"/> so a slow run still shows signs of life.
    /// </summary>
    private sealed class PlainLines(IAnsiConsole console, int totalSteps) : IProgress<TrainingProgress>
    {
        private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(10);
        private readonly int _every = Math.Max(1, totalSteps / 20);
        private TimeSpan? _lastLine;
        private double? _lastVal;

        public void Report(TrainingProgress p)
        {
            if (p.Evaluated)
            {
                _lastVal = p.ValLoss;
                console.WriteLine(Evaluation(p));
            }
            else if (_lastLine is null || p.Step % _every == 0 || p.Step == p.TotalSteps || p.Elapsed - _lastLine >= Quiet)
                console.WriteLine(Describe(p.Step, p.TotalSteps, p, _lastVal));
            else
                return;
            _lastLine = p.Elapsed;
        }
    }
}

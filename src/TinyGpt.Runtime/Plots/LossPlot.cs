using System.Globalization;
using ScottPlot;

namespace TinyGpt;

/// <summary>
/// The loss curves of a run as a PNG, drawn by ScottPlot: train and validation loss at each
/// evaluation against the step, with round ticks, axis titles, a legend and the best validation
/// loss marked.
/// </summary>
public static class LossPlot
{
    /// <summary>File name inside the run directory.</summary>
    public const string FileName = "loss.png";

    /// <summary>The image's width in pixels.</summary>
    public const int Width = 800;

    /// <summary>The image's height in pixels.</summary>
    public const int Height = 500;

    // matplotlib's first two colors, which nanoGPT's readers know from its plots.
    static readonly Color TrainColor = Color.FromHex("#1f77b4");
    static readonly Color ValColor = Color.FromHex("#ff7f0e");

    /// <summary>
    /// Draws <paramref name="records"/> into a PNG at <paramref name="path"/>, replacing it. Records
    /// with a non-finite loss (a diverged step) are left out, so the curves keep a readable scale.
    /// </summary>
    public static void Write(string path, IReadOnlyList<EvaluationRecord> records)
    {
        var finite = records.Where(r => double.IsFinite(r.TrainLoss) && double.IsFinite(r.ValLoss)).ToList();
        using var plot = new Plot();
        double[] steps = [.. finite.Select(r => (double)r.Step)];
        AddCurve(plot, steps, [.. finite.Select(r => r.TrainLoss)], TrainColor, "train");
        AddCurve(plot, steps, [.. finite.Select(r => r.ValLoss)], ValColor, "val");

        if (finite.Count > 0)
        {
            var best = finite.MinBy(r => r.ValLoss)!;
            var marker = plot.Add.Marker(best.Step, best.ValLoss, MarkerShape.OpenCircle, size: 14, ValColor);
            marker.LegendText = string.Create(CultureInfo.InvariantCulture, $"best val {best.ValLoss:0.000} (step {best.Step:N0})");
        }

        plot.Title(finite.Count == 0 ? "Loss (no evaluation yet)" : string.Create(CultureInfo.InvariantCulture, $"Loss over {finite[^1].Step:N0} steps"));
        plot.XLabel("step");
        plot.YLabel("cross-entropy loss (nats)");
        plot.Font.Set(SansFont());
        var span = finite.Count == 0 ? 1 : finite.Max(r => Math.Max(r.TrainLoss, r.ValLoss)) - finite.Min(r => Math.Min(r.TrainLoss, r.ValLoss));
        var lossFormat = span >= 1 ? "0.0" : span >= 0.1 ? "0.00" : "0.000";   // every tick with the same decimals
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = loss => loss.ToString(lossFormat, CultureInfo.InvariantCulture),
        };
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Axes.Margins(horizontal: 0.03, vertical: 0.08);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
    }

    // ScottPlot's default family may be missing (then titles fall back to a serif face); take a sans one that is there.
    static string SansFont()
    {
        var installed = SkiaSharp.SKFontManager.Default.GetFontFamilies();
        return new[] { "DejaVu Sans", "Liberation Sans", "Segoe UI", "Arial", "Helvetica" }.FirstOrDefault(installed.Contains) ?? Fonts.Default;
    }

    static void AddCurve(Plot plot, double[] steps, double[] losses, Color color, string label)
    {
        var curve = plot.Add.Scatter(steps, losses, color);
        curve.LegendText = label;
        curve.LineWidth = 2;
        curve.MarkerSize = steps.Length > 60 ? 0 : 5;                          // dots only while they can be told apart
    }
}

using System.Globalization;

namespace TinyGpt;

/// <summary>
/// The loss curve as a PNG: train loss in blue, validation loss in orange, against the step;
/// the y axis is labelled with loss values, the x axis with steps.
/// </summary>
public static class LossPlot
{
    /// <summary>File name inside the run directory.</summary>
    public const string FileName = "loss.png";

    private static readonly (byte, byte, byte) Background = (255, 255, 255);
    private static readonly (byte, byte, byte) Axis = (60, 60, 60);
    private static readonly (byte, byte, byte) Grid = (225, 225, 225);
    private static readonly (byte, byte, byte) TrainColor = (31, 119, 180);
    private static readonly (byte, byte, byte) ValColor = (255, 127, 14);

    /// <summary>Draws <paramref name="records"/> into a PNG at <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<EvaluationRecord> records)
    {
        const int width = 800, height = 500, left = 70, right = 20, top = 40, bottom = 50;
        var canvas = new PngCanvas(width, height, Background);
        int plotWidth = width - left - right, plotHeight = height - top - bottom;

        var finite = records.Where(r => double.IsFinite(r.TrainLoss) && double.IsFinite(r.ValLoss)).ToList();
        double minStep = finite.Count > 0 ? finite.Min(r => r.Step) : 0, maxStep = finite.Count > 0 ? finite.Max(r => r.Step) : 1;
        if (maxStep <= minStep) maxStep = minStep + 1;
        double minLoss = finite.Count > 0 ? finite.Min(r => Math.Min(r.TrainLoss, r.ValLoss)) : 0;
        double maxLoss = finite.Count > 0 ? finite.Max(r => Math.Max(r.TrainLoss, r.ValLoss)) : 1;
        var pad = Math.Max((maxLoss - minLoss) * 0.05, 0.05);
        (minLoss, maxLoss) = (Math.Max(0, minLoss - pad), maxLoss + pad);

        double X(double step) => left + (step - minStep) / (maxStep - minStep) * plotWidth;
        double Y(double loss) => top + (maxLoss - loss) / (maxLoss - minLoss) * plotHeight;

        const int ticks = 5;
        for (var i = 0; i <= ticks; i++)
        {
            var loss = minLoss + (maxLoss - minLoss) * i / ticks;
            var y = (int)Math.Round(Y(loss));
            canvas.DrawLine(left, y, width - right, y, Grid);
            var label = loss.ToString("0.00", CultureInfo.InvariantCulture);
            canvas.DrawText(left - 8 - PngCanvas.TextWidth(label), y - 5, label, Axis);

            var step = minStep + (maxStep - minStep) * i / ticks;
            var x = (int)Math.Round(X(step));
            canvas.DrawLine(x, top, x, top + plotHeight, Grid);
            var stepLabel = Math.Round(step).ToString(CultureInfo.InvariantCulture);
            canvas.DrawText(x - PngCanvas.TextWidth(stepLabel) / 2, top + plotHeight + 10, stepLabel, Axis);
        }
        canvas.DrawLine(left, top, left, top + plotHeight, Axis);
        canvas.DrawLine(left, top + plotHeight, width - right, top + plotHeight, Axis);

        for (var i = 1; i < finite.Count; i++)
        {
            canvas.DrawLine(X(finite[i - 1].Step), Y(finite[i - 1].TrainLoss), X(finite[i].Step), Y(finite[i].TrainLoss), TrainColor, 2);
            canvas.DrawLine(X(finite[i - 1].Step), Y(finite[i - 1].ValLoss), X(finite[i].Step), Y(finite[i].ValLoss), ValColor, 2);
        }
        foreach (var r in finite)
        {
            canvas.FillRectangle((int)X(r.Step) - 2, (int)Y(r.TrainLoss) - 2, 5, 5, TrainColor);
            canvas.FillRectangle((int)X(r.Step) - 2, (int)Y(r.ValLoss) - 2, 5, 5, ValColor);
        }
        // Axis titles and the legend (train blue, val orange), top right.
        canvas.DrawText(left - 60, top - 28, "loss", Axis);
        canvas.DrawText(left + plotWidth / 2 - PngCanvas.TextWidth("step") / 2, height - 18, "step", Axis);
        var legend = width - right - 170;
        canvas.FillRectangle(legend, 16, 24, 6, TrainColor);
        canvas.DrawText(legend + 30, 14, "train", Axis);
        canvas.FillRectangle(legend + 90, 16, 24, 6, ValColor);
        canvas.DrawText(legend + 120, 14, "val", Axis);
        canvas.Save(path);
    }
}

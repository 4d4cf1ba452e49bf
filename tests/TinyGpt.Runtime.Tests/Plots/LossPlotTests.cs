using SkiaSharp;
using Xunit;

namespace TinyGpt.Runtime.Tests;

public class LossPlotTests
{
    // A baby-like run: 21 evaluations from 4.2 down to about 1.9.
    static readonly EvaluationRecord[] Run = [.. Enumerable.Range(0, 21).Select(i =>
        new EvaluationRecord(i * 100, 1.8 + 2.4 * Math.Exp(-i / 4.0), 1.9 + 2.4 * Math.Exp(-i / 4.2), 1e-3, 30_000, i * 4.5))];

    [Fact]
    public void The_plot_is_a_png_that_decodes_at_the_expected_size_with_both_curves()
    {
        using var dir = new TempDir();
        var path = dir.File(LossPlot.FileName);

        LossPlot.Write(path, Run);

        using var image = SKBitmap.Decode(path);
        Assert.NotNull(image);
        Assert.Equal((LossPlot.Width, LossPlot.Height), (image.Width, image.Height));
        var pixels = image.Pixels;
        Assert.Contains(pixels, p => Near(p, 0x1f, 0x77, 0xb4));                // the train curve's blue
        Assert.Contains(pixels, p => Near(p, 0xff, 0x7f, 0x0e));                // the val curve's orange
        Assert.True(pixels.Count(p => p.Red < 100 && p.Green < 100 && p.Blue < 100) > 500, "no dark text or axes");
        if (Environment.GetEnvironmentVariable("TINYGPT_KEEP_PLOT") is { } keep) File.Copy(path, keep, overwrite: true);
    }

    [Fact]
    public void No_records_or_a_diverged_one_still_give_a_plot()
    {
        using var dir = new TempDir();
        LossPlot.Write(dir.File("empty.png"), []);
        LossPlot.Write(dir.File("nan.png"), [.. Run[..3], Run[3] with { TrainLoss = double.NaN }]);

        foreach (var file in new[] { "empty.png", "nan.png" })
        {
            using var image = SKBitmap.Decode(dir.File(file));
            Assert.Equal((LossPlot.Width, LossPlot.Height), (image.Width, image.Height));
        }
    }

    static bool Near(SKColor pixel, byte r, byte g, byte b) =>
        Math.Abs(pixel.Red - r) < 8 && Math.Abs(pixel.Green - g) < 8 && Math.Abs(pixel.Blue - b) < 8;
}

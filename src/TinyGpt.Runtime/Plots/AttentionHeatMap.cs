using ScottPlot;

namespace TinyGpt;

/// <summary>
/// Draws an <see cref="AttentionMap"/> as heat maps, one a head: the query positions down the side, the key
/// positions along the bottom, both labelled with their tokens, darker where a head attends less. The
/// walkthrough saves the grid of every layer × head; the playground shows it in the page.
/// </summary>
public static class AttentionHeatMap
{
    /// <summary>Largest number of positions whose every token is written on the axes; longer texts label every n-th.</summary>
    private const int LabelledPositions = 48;

    /// <summary>Side of one head's square, in pixels.</summary>
    private const int CellPixels = 320;

    /// <summary>
    /// A PNG of the heads chosen: one <paramref name="layer"/> and <paramref name="head"/>, every head of one
    /// layer (head null), or the whole layers × heads grid (both null).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The layer or head does not exist in the map.</exception>
    public static byte[] RenderPng(AttentionMap map, int? layer = null, int? head = null)
    {
        var layers = Pick(layer, map.Layers, nameof(layer));
        var heads = Pick(head, map.Heads, nameof(head));
        var plots = layers.SelectMany(l => heads.Select(h => HeadPlot(map, l, h))).ToArray();
        var multiplot = new Multiplot(plots[0]);             // a new Multiplot starts with a plot of its own
        foreach (var plot in plots[1..])
            multiplot.AddPlot(plot);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(layers.Length, heads.Length);
        using var image = multiplot.Render(heads.Length * CellPixels, layers.Length * CellPixels);
        return image.GetImageBytes(ImageFormat.Png);
    }

    /// <summary>Writes <see cref="RenderPng"/>'s picture to <paramref name="path"/> and returns the path.</summary>
    public static string Save(AttentionMap map, string path, int? layer = null, int? head = null)
    {
        File.WriteAllBytes(path, RenderPng(map, layer, head));
        return path;
    }

    /// <summary>How a token reads on an axis: white space made visible.</summary>
    public static string Label(string token) => token switch
    {
        " " => "␣",
        "\n" => "⏎",
        "\t" => "⇥",
        _ => token,
    };

    /// <summary>
    /// An installed font that draws every label: ScottPlot's default font has no ⏎ or ␣ on many Linux systems
    /// and would draw boxes, while DejaVu Sans Mono (Debian's default) has both.
    /// </summary>
    internal static string TickFont(IEnumerable<string> labels)
    {
        var text = string.Concat(labels);
        bool Draws(string family)
        {
            using var typeface = SkiaSharp.SKTypeface.FromFamilyName(family);
            return typeface is not null && typeface.FamilyName == family && typeface.ContainsGlyphs(text);
        }
        if (Draws(Fonts.Default))
            return Fonts.Default;
        // Sans-serif families first: the axes should look like the rest of the plot.
        var families = SkiaSharp.SKFontManager.Default.FontFamilies
            .OrderByDescending(f => f.Contains("Sans", StringComparison.Ordinal))
            .ThenBy(f => f, StringComparer.Ordinal);
        return families.FirstOrDefault(Draws) ?? Fonts.Default;
    }

    private static int[] Pick(int? chosen, int count, string name)
    {
        if (chosen is null)
            return [.. Enumerable.Range(0, count)];
        if (chosen < 0 || chosen >= count)
            throw new ArgumentOutOfRangeException(name, chosen, $"The map has {count} of them, numbered 0 to {count - 1}.");
        return [chosen.Value];
    }

    private static Plot HeadPlot(AttentionMap map, int layer, int head)
    {
        var weights = map.Weights[layer][head];
        int t = weights.GetLength(0);
        var intensities = new double[t, t];
        for (var i = 0; i < t; i++)
            for (var j = 0; j < t; j++)
                intensities[i, j] = weights[i, j];
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.ManualRange = new ScottPlot.Range(0, 1);   // one scale for every head, so heads compare by eye
        var scale = plot.Add.ColorBar(heatmap);   // the same 0 to 1 on every head, so each square says it
        scale.Width = 10;
        plot.Title($"layer {layer}, head {head}", size: 14);
        plot.XLabel("key (attended to)", size: 11);
        plot.YLabel("query", size: 11);

        // Row i of the intensities is drawn at y = t-1-i, so query 0 is the top row, as in a matrix.
        var step = Math.Max(1, (int)Math.Ceiling(t / (double)LabelledPositions));
        var bottom = new ScottPlot.TickGenerators.NumericManual();
        var left = new ScottPlot.TickGenerators.NumericManual();
        var labels = new List<string>();
        for (var p = 0; p < t; p += step)
        {
            var label = Label(map.Tokens[p]);
            labels.Add(label);
            bottom.AddMajor(p, label);
            left.AddMajor(t - 1 - p, label);
        }
        plot.Axes.Bottom.TickGenerator = bottom;
        plot.Axes.Left.TickGenerator = left;
        var font = TickFont(labels);
        foreach (var style in new[] { plot.Axes.Bottom.TickLabelStyle, plot.Axes.Left.TickLabelStyle })
        {
            style.FontSize = t > 24 ? 8 : 11;
            style.FontName = font;
        }
        plot.Axes.SetLimits(-0.5, t - 0.5, -0.5, t - 0.5);
        return plot;
    }
}

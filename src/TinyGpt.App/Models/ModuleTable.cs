using Spectre.Console;
using TinyGpt.App.Cli;

namespace TinyGpt.App.Models;

/// <summary>
/// How the module table of <c>tinygpt info</c> fits the console: a shape never wraps (<c>[1, 64, 65]</c> is one
/// value) and no header is cut, so rather than let the terminal squeeze columns the table gives up, in this order,
/// what costs most width and says least: the tie note in the Type column (it goes below the table), half the
/// indentation of nested modules, and the Type column itself. A wider console gets everything inline.
/// </summary>
public sealed record ModuleTable(bool TiesInline, int Indent, bool ShowType)
{
    private static readonly string[] Headers = ["Module", "Type", "Output", "Parameters"];

    /// <summary>The richest layout whose table fits in <paramref name="width"/> columns (the last resort when none does).</summary>
    public static ModuleTable Fit(IReadOnlyList<ModuleRow> rows, int width)
    {
        ModuleTable[] layouts = [new(true, 2, true), new(false, 2, true), new(false, 1, true), new(false, 1, false)];
        return layouts.FirstOrDefault(layout => layout.Width(rows) <= width) ?? layouts[^1];
    }

    /// <summary>The columns' text for each row, in this layout.</summary>
    private IEnumerable<string[]> Cells(IReadOnlyList<ModuleRow> rows) => rows.Select(row => new[]
    {
        new string(' ', Indent * row.Depth) + row.Name,
        row.TiedTo is { } owner && TiesInline ? $"{row.Type}, tied to {owner}" : row.Type,
        row.Output is { } shape ? $"[{string.Join(", ", shape)}]" : "",
        row.Parameters == 0 ? "" : Numbers.Count(row.Parameters),
    });

    private int[] Shown => ShowType ? [0, 1, 2, 3] : [0, 2, 3];

    /// <summary>Characters per table line: each column's widest cell or header, one space of padding either side, and the borders.</summary>
    public int Width(IReadOnlyList<ModuleRow> rows)
    {
        var cells = Cells(rows).ToList();
        return 1 + Shown.Sum(c => Math.Max(Headers[c].Length, cells.Count == 0 ? 0 : cells.Max(r => r[c].Length)) + 3);
    }

    /// <summary>The table, with <paramref name="caption"/> under it.</summary>
    public Table Render(IReadOnlyList<ModuleRow> rows, string caption)
    {
        var table = new Table().Border(TableBorder.Rounded).Caption(caption);
        foreach (var c in Shown)
            table.AddColumn(c == 3 ? new TableColumn(Headers[c]).NoWrap().RightAligned() : new TableColumn(Headers[c]).NoWrap());
        foreach (var cells in Cells(rows))
            table.AddRow([.. Shown.Select(c => c == 1 ? new Text(cells[c], new Style(Color.Grey)) : new Text(cells[c]))]);
        return table;
    }
}

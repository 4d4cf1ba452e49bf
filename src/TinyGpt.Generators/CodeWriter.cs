using System;
using System.Text;

namespace TinyGpt.Generators;

/// <summary>
/// Writes indented C# line by line, with end-of-line comments aligned in one column so the shape
/// comments of a forward pass read as a second column.
/// </summary>
internal sealed class CodeWriter
{
    private const int IndentSize = 4;
    private const int CommentColumn = 72;

    private readonly StringBuilder _text = new();
    private int _depth;

    /// <summary>An empty line.</summary>
    public void Line() => _text.Append('\n');

    /// <summary>One line of code at the current indentation.</summary>
    public void Line(string code) =>
        _text.Append(' ', _depth * IndentSize).Append(code).Append('\n');

    /// <summary>One line of code with a <c>//</c> comment aligned at the comment column.</summary>
    public void Line(string code, string comment)
    {
        var width = _depth * IndentSize + code.Length;
        _text.Append(' ', _depth * IndentSize).Append(code)
            .Append(' ', Math.Max(1, CommentColumn - width))
            .Append("// ").Append(comment).Append('\n');
    }

    /// <summary>A <c>/// &lt;summary&gt;</c> comment, one line per argument.</summary>
    public void Summary(params string[] lines) => Doc("summary", lines);

    /// <summary>A <c>/// &lt;summary&gt;</c> and a <c>/// &lt;remarks&gt;</c> comment.</summary>
    public void Summary(string[] summary, string[] remarks)
    {
        Doc("summary", summary);
        Doc("remarks", remarks);
    }

    /// <summary>A <c>/// &lt;param&gt;</c> comment on the parameter <paramref name="name"/>.</summary>
    public void Param(string name, params string[] lines) => Doc("param", lines, $" name=\"{name}\"");

    private void Doc(string tag, string[] lines, string attributes = "")
    {
        if (lines.Length == 1)
        {
            Line($"/// <{tag}{attributes}>{lines[0]}</{tag}>");
            return;
        }
        Line($"/// <{tag}{attributes}>");
        foreach (var line in lines)
            Line("/// " + line);
        Line($"/// </{tag}>");
    }

    /// <summary>Writes <paramref name="header"/> and an opening brace; dispose to close it.</summary>
    public IDisposable Block(string header)
    {
        Line(header);
        Line("{");
        _depth++;
        return new Closer(this);
    }

    public override string ToString() => _text.ToString();

    private sealed class Closer(CodeWriter writer) : IDisposable
    {
        public void Dispose()
        {
            writer._depth--;
            writer.Line("}");
        }
    }
}

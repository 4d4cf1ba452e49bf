using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace TinyGpt.Generators;

/// <summary>
/// Writes indented C# line by line, with end-of-line comments aligned in one column so the shape
/// comments of a forward pass read as a second column. XML docs are wrapped to <see cref="MaxWidth"/>.
/// </summary>
internal sealed class CodeWriter
{
    /// <summary>The widest line the generated code should have (RULES: generated lines within 120 columns).</summary>
    public const int MaxWidth = 120;

    private const int IndentSize = 4;

    /// <summary>
    /// The width of <paramref name="text"/> as byte-counting tools (<c>awk 'length &gt; 120'</c> in a C locale) see
    /// it: its UTF-8 bytes, so that →, ≤ and · count more than once and a line within the limit is within it for
    /// every tool.
    /// </summary>
    internal static int Width(string text) => Encoding.UTF8.GetByteCount(text);
    private const int CommentColumn = 72;

    private readonly StringBuilder _text = new();
    private int _depth;

    /// <summary>An empty line.</summary>
    public void Line() => _text.Append('\n');

    /// <summary>One line of code at the current indentation.</summary>
    public void Line(string code) =>
        _text.Append(' ', _depth * IndentSize).Append(code).Append('\n');

    /// <summary>One line of code with a <c>//</c> comment aligned at the comment column.</summary>
    /// <remarks>
    /// A comment that would end past <see cref="MaxWidth"/> keeps its shape (up to the last <c>]</c>) on the line
    /// and moves the note after it onto a comment line of its own above the code, so no line grows past the limit;
    /// a comment without a shape moves above whole.
    /// </remarks>
    public void Line(string code, string comment)
    {
        var width = _depth * IndentSize + Width(code);
        var column = Math.Max(width + 1, CommentColumn);
        if (column + 3 + Width(comment) > MaxWidth)
        {
            var shapeEnd = comment.LastIndexOf(']');
            if (shapeEnd < 0)
            {
                Line("// " + comment);
                Line(code);
                return;
            }
            if (shapeEnd < comment.Length - 1)
            {
                var indent = code.Length - code.TrimStart().Length;
                Line(new string(' ', indent) + "// " + comment.Substring(shapeEnd + 1).TrimStart(',', ' '));
                comment = comment.Substring(0, shapeEnd + 1);
            }
        }
        _text.Append(' ', _depth * IndentSize).Append(code)
            .Append(' ', column - width)
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

    /// <summary>A <c>/// &lt;exception&gt;</c> comment on <paramref name="cref"/>.</summary>
    public void Exception(string cref, params string[] lines) => Doc("exception", lines, $" cref=\"{cref}\"");

    private void Doc(string tag, string[] lines, string attributes = "")
    {
        var single = $"/// <{tag}{attributes}>{(lines.Length == 1 ? lines[0] : "")}</{tag}>";
        if (lines.Length == 1 && _depth * IndentSize + Width(single) <= MaxWidth)
        {
            Line(single);
            return;
        }
        Line($"/// <{tag}{attributes}>");
        foreach (var line in lines)
            foreach (var wrapped in Wrap(line, MaxWidth - _depth * IndentSize - 4))
                Line("/// " + wrapped);
        Line($"/// </{tag}>");
    }

    /// <summary>
    /// <paramref name="text"/> in lines of at most <paramref name="width"/> characters, broken at spaces that are
    /// neither inside a tag nor inside a <c>&lt;c&gt;</c> element, so <c>&lt;c&gt;[B, T, C]&lt;/c&gt;</c> stays whole.
    /// A word longer than the width stays on a line of its own.
    /// </summary>
    internal static IEnumerable<string> Wrap(string text, int width)
    {
        if (Width(text) <= width)
        {
            yield return text;
            yield break;
        }
        var words = new List<string>();
        var start = 0;
        var inTag = false;
        var inCode = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '<')
            {
                inTag = true;
                if (string.CompareOrdinal(text, i, "<c>", 0, 3) == 0) inCode++;
                else if (string.CompareOrdinal(text, i, "</c>", 0, 4) == 0) inCode--;
            }
            else if (c == '>')
                inTag = false;
            else if (c == ' ' && !inTag && inCode == 0)
            {
                words.Add(text.Substring(start, i - start));
                start = i + 1;
            }
        }
        words.Add(text.Substring(start));
        // Greedy, but a line that has to break goes back to its last clause end (; : . before ,) when that keeps
        // at least half the width, so that no lone word trails onto the next line.
        var line = new List<string>();
        var length = -1;
        foreach (var word in words)
        {
            if (line.Count > 0 && length + 1 + Width(word) > width)
            {
                var keep = BreakAfter(line, width, ";:.") ?? BreakAfter(line, width, ",") ?? line.Count;
                yield return string.Join(" ", line.Take(keep));
                line = line.Skip(keep).ToList();
                length = line.Count == 0 ? -1 : Width(string.Join(" ", line));
            }
            line.Add(word);
            length += 1 + Width(word);
        }
        if (line.Count > 0)
            yield return string.Join(" ", line);
    }

    /// <summary>Writes <paramref name="header"/> and an opening brace; dispose to close it.</summary>
    public IDisposable Block(string header)
    {
        Line(header);
        Line("{");
        _depth++;
        return new Closer(this);
    }

    /// <summary>Writes <paramref name="header"/> with a comment and an opening brace; dispose to close it.</summary>
    public IDisposable Block(string header, string comment)
    {
        Line(header, comment);
        Line("{");
        _depth++;
        return new Closer(this);
    }

    /// <summary>
    /// A class declaration and its opening brace, the base list on a line of its own when the declaration would
    /// pass <see cref="MaxWidth"/>; dispose to close it.
    /// </summary>
    public IDisposable Class(string declaration, string baseList)
    {
        var header = $"{declaration} : {baseList}";
        if (_depth * IndentSize + Width(header) <= MaxWidth)
            return Block(header);
        Line(declaration);
        Line("    : " + baseList);
        Line("{");
        _depth++;
        return new Closer(this);
    }

    /// <summary>
    /// A method declaration <c>head(parameters)</c> and its opening brace, the parameters on a line of their own
    /// when the declaration would pass <see cref="MaxWidth"/>; dispose to close it.
    /// </summary>
    public IDisposable Method(string head, string parameters)
    {
        Line(Signature(head, parameters));
        Line("{");
        _depth++;
        return new Closer(this);
    }

    /// <summary>
    /// An expression-bodied member <c>head(parameters) =&gt; body;</c>, broken after <c>(</c> and after
    /// <c>=&gt;</c> as the width needs.
    /// </summary>
    public void Arrow(string head, string parameters, string body)
    {
        var whole = $"{head}({parameters}) => {body};";
        if (_depth * IndentSize + Width(whole) <= MaxWidth)
        {
            Line(whole);
            return;
        }
        Line(Signature(head, parameters) + " =>");
        _depth++;
        Line(body + ";");
        _depth--;
    }

    private string Signature(string head, string parameters)
    {
        var whole = $"{head}({parameters})";
        if (_depth * IndentSize + Width(whole) <= MaxWidth)
            return whole;
        Line(head + "(");
        var indent = new string(' ', IndentSize);
        if (_depth * IndentSize + IndentSize + Width(parameters) + 1 <= MaxWidth)
            return indent + parameters + ")";
        // Still too wide: one parameter a line.
        var each = parameters.Split([", "], StringSplitOptions.None);
        for (var i = 0; i < each.Length - 1; i++)
            Line(indent + each[i] + ",");
        return indent + each[each.Length - 1] + ")";
    }

    /// <summary>
    /// How many of <paramref name="words"/> to keep on the line: up to the last one that ends in one of
    /// <paramref name="marks"/> and keeps at least half the width; null when there is none.
    /// </summary>
    private static int? BreakAfter(List<string> words, int width, string marks)
    {
        for (var i = words.Count - 1; i > 0; i--)
        {
            if (Width(string.Join(" ", words.Take(i + 1))) < width / 2)
                return null;
            if (words[i].Length > 0 && marks.IndexOf(words[i][words[i].Length - 1]) >= 0)
                return i + 1;
        }
        return null;
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

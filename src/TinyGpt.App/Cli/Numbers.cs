using System.Globalization;

namespace TinyGpt.App.Cli;

/// <summary>Numbers as the CLI prints them, the same on every machine (invariant culture).</summary>
public static class Numbers
{
    /// <summary><c>1,003,854</c>.</summary>
    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>An interpolated string with invariant number formats (<c>1.88</c>, never <c>1,88</c>).</summary>
    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Text.Json.Nodes;

namespace TinyGpt.Interop;

/// <summary>
/// One property of <see cref="GptConfig"/> (a hyperparameter or an architecture option of <see cref="GptAttribute"/>), by
/// its C# name: how to read it from a config, what it is when not set, and how to write it to and read it from JSON.
/// <see cref="GptOptions.All"/> lists them; the sidecar, the messages that describe a model and <c>tinygpt info</c>
/// all go through that one list, so an option added to <see cref="GptConfig"/> is added there once.
/// </summary>
public sealed class GptOption
{
    private readonly Func<GptConfig, object> value;
    private readonly Func<GptConfig, object> defaultValue;
    private readonly Func<GptConfig, JsonNode, GptConfig> apply;

    private GptOption(string name, Func<GptConfig, object> value, Func<GptConfig, object> defaultValue,
        Func<GptConfig, JsonNode, GptConfig> apply)
    {
        Name = name;
        this.value = value;
        this.defaultValue = defaultValue;
        this.apply = apply;
    }

    /// <summary>Creates an option of type <typeparamref name="T"/> (bool, int, double or an enum).</summary>
    internal static GptOption Of<T>(string name, Func<GptConfig, T> get, Func<GptConfig, T> @default, Func<GptConfig, T, GptConfig> with)
        where T : notnull =>
        new(name, c => get(c), c => @default(c), (c, node) => with(c, Parse<T>(node, name)));

    /// <summary>The property's C# name, as <c>[Gpt(...)]</c> spells it: <c>KvHeads</c>.</summary>
    public string Name { get; }

    /// <summary>The option's value in <paramref name="config"/> (resolved: <c>KvHeads</c> is never 0).</summary>
    public object ValueIn(GptConfig config) => value(config);

    /// <summary>True when <paramref name="config"/> leaves the option at its default (which may follow another property).</summary>
    public bool IsDefaultIn(GptConfig config) => Equals(value(config), defaultValue(config));

    /// <summary>The value as C# writes it in <c>[Gpt(...)]</c>: <c>2</c>, <c>true</c>, <c>Rotary</c>, <c>0.2</c>.</summary>
    public string TextIn(GptConfig config) => value(config) switch
    {
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString() ?? "",
    };

    /// <summary><c>Name = value</c>, as a message shows it.</summary>
    public string Assignment(GptConfig config) => $"{Name} = {TextIn(config)}";

    /// <summary>The value as JSON: a number, a boolean, or an enum's name.</summary>
    public JsonNode ToJson(GptConfig config) => value(config) switch
    {
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        double d => JsonValue.Create(d),
        var e => JsonValue.Create(e.ToString()!),
    };

    /// <summary><paramref name="config"/> with this option set from <paramref name="node"/>.</summary>
    /// <exception cref="FormatException">The JSON value is not of the option's type, or names no member of its enum.</exception>
    public GptConfig Apply(GptConfig config, JsonNode node) => apply(config, node);

    private static T Parse<T>(JsonNode node, string name) where T : notnull
    {
        if (!typeof(T).IsEnum)
            return node.GetValue<T>();
        var text = node.GetValue<string>();
        // By name only: Enum.TryParse also takes "7" or "1, 2", which name no member.
        if (Enum.GetNames(typeof(T)).Contains(text, StringComparer.Ordinal))
            return (T)Enum.Parse(typeof(T), text);
        throw new FormatException($"{name} is \"{text}\"; expected one of {string.Join(", ", Enum.GetNames(typeof(T)))}");
    }
}

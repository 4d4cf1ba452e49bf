using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace TinyGpt.Generators.ShapeAnalysis;

/// <summary>What is known about each local and parameter at one point of a method.</summary>
internal sealed class ShapeEnvironment
{
    private readonly Dictionary<ISymbol, AbstractValue?> values;

    public ShapeEnvironment() => values = new(SymbolEqualityComparer.Default);

    private ShapeEnvironment(Dictionary<ISymbol, AbstractValue?> values) =>
        this.values = new(values, SymbolEqualityComparer.Default);

    public ShapeEnvironment Copy() => new(values);

    public bool TryGet(ISymbol symbol, out AbstractValue? value) => values.TryGetValue(symbol, out value);

    public void Set(ISymbol symbol, AbstractValue? value) => values[symbol] = value;

    public void Forget(ISymbol symbol) => values[symbol] = null;

    /// <summary>Forgets every tensor's shape: after an in-place reshape any alias may have changed.</summary>
    public void ForgetTensors()
    {
        foreach (var key in values.Where(pair => pair.Value is TensorValue or TensorsValue).Select(pair => pair.Key).ToList())
            values[key] = null;
    }

    /// <summary>Where two paths meet: a value is kept only as far as both agree.</summary>
    public static ShapeEnvironment Join(ShapeEnvironment a, ShapeEnvironment b)
    {
        var joined = new Dictionary<ISymbol, AbstractValue?>(SymbolEqualityComparer.Default);
        foreach (var pair in a.values)
            joined[pair.Key] = b.values.TryGetValue(pair.Key, out var other) ? AbstractValue.Join(pair.Value, other) : null;
        foreach (var pair in b.values)
            if (!joined.ContainsKey(pair.Key))
                joined[pair.Key] = null;
        return new ShapeEnvironment(joined);
    }

    /// <summary>Keeps only the given symbols (what a lambda may rely on).</summary>
    public ShapeEnvironment Only(ISet<ISymbol> keep) =>
        new(values.Where(pair => keep.Contains(pair.Key)).ToDictionary(pair => pair.Key, pair => pair.Value, SymbolEqualityComparer.Default));
}

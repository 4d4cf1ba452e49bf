namespace TinyGpt.Interop;

/// <summary>Compares two lists of tensor names and shapes.</summary>
static class StateDictCheck
{
    /// <summary>
    /// Every name <paramref name="expected"/> has and <paramref name="actual"/> lacks (missing), every
    /// name only <paramref name="actual"/> has (unexpected, last), and every shape that differs;
    /// in <paramref name="expected"/>'s order.
    /// </summary>
    public static List<TensorMismatch> Compare(
        IEnumerable<(string Name, long[] Shape)> expected,
        IEnumerable<(string Name, long[] Shape)> actual,
        Func<string, bool>? mayBeMissing = null)
    {
        var found = new Dictionary<string, long[]>();
        foreach (var (name, shape) in actual) found.TryAdd(name, shape);
        var list = new List<TensorMismatch>();
        var known = new HashSet<string>();
        foreach (var (name, shape) in expected)
        {
            known.Add(name);
            if (!found.TryGetValue(name, out var other))
            {
                if (mayBeMissing?.Invoke(name) != true)
                    list.Add(new TensorMismatch(MismatchKind.Missing, name, NanoGptLayout.Format(shape), null));
            }
            else if (!shape.SequenceEqual(other))
                list.Add(new TensorMismatch(MismatchKind.WrongShape, name, NanoGptLayout.Format(shape), NanoGptLayout.Format(other)));
        }
        foreach (var (name, shape) in found)
            if (!known.Contains(name))
                list.Add(new TensorMismatch(MismatchKind.Unexpected, name, null, NanoGptLayout.Format(shape)));
        return list;
    }
}

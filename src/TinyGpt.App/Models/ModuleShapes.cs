using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyGpt.App.Models;

/// <summary>One row of <c>tinygpt info</c>: a module, where it sits, what it outputs and how many parameters it holds.</summary>
public sealed record ModuleRow(int Depth, string Name, string Type, long[]? Output, long Parameters);

/// <summary>
/// A model's modules as a tree in registration order (nanoGPT's forward order), each with its
/// output shape for one sequence of <c>T</c> tokens.
/// </summary>
/// <remarks>
/// Generated models call their submodules through <c>forward</c>, which TorchSharp's forward hooks
/// do not see, so shapes are inferred: an embedding gives <c>[1, T, dim]</c> (positions, indexed by
/// <c>[T]</c>, give <c>[T, dim]</c>), a Linear <c>[1, T, out]</c>, any other leaf (LayerNorm, GELU,
/// Dropout) keeps its input's shape, and a container outputs what its last child does (a
/// lower-rank output, like positions, broadcasts into the stream rather than replacing it). The model's
/// own row is measured by running it.
/// </remarks>
public static class ModuleShapes
{
    /// <summary>The rows of <paramref name="model"/>, itself first under <paramref name="name"/>.</summary>
    public static IReadOnlyList<ModuleRow> Describe(LanguageModel model, string name, int length)
    {
        var rows = new List<ModuleRow>();
        Walk(model, name, "", 0, input: [1, length], length, rows, owners: []);
        rows[0] = rows[0] with { Output = Measure(model, length) };
        return rows;
    }

    private static long[]? Walk(nn.Module module, string name, string path, int depth, long[]? input, int length,
        List<ModuleRow> rows, Dictionary<nint, string> owners)
    {
        var index = rows.Count;
        rows.Add(new ModuleRow(depth, name, TypeName(module), null, LanguageModel.DistinctNamedParameters(module).Sum(np => np.Parameter.numel())));
        var current = input;
        var children = module.named_children().ToList();
        if (children.Count == 0 && TiedTo(module, path, owners) is { } owner)
            rows[index] = rows[index] with { Type = $"{rows[index].Type}, tied to {owner}" };
        foreach (var (childName, child) in children)
        {
            // Position embeddings [T, C] broadcast into the token stream [1, T, C]: the stream goes on.
            var output = Walk(child, childName, path.Length == 0 ? childName : $"{path}.{childName}", depth + 1, current, length, rows, owners);
            if (output is not null && (current is null || output.Length >= current.Length))
                current = output;
        }
        var result = children.Count > 0 ? current : module switch
        {
            Embedding e when name == "wpe" => [length, e.weight!.shape[1]],
            Embedding e => [1, length, e.weight!.shape[1]],
            Linear l => [1, length, l.weight!.shape[0]],
            _ => input,
        };
        rows[index] = rows[index] with { Output = result };
        return result;
    }

    /// <summary>
    /// The module that already owns every parameter of <paramref name="module"/> (same storage), as
    /// a tied LM head shares the token embedding; otherwise records <paramref name="path"/> as their owner.
    /// </summary>
    private static string? TiedTo(nn.Module module, string path, Dictionary<nint, string> owners)
    {
        var storages = module.parameters().Select(StorageOf).ToList();
        if (storages.Count > 0 && storages.All(owners.ContainsKey))
            return owners[storages[0]];
        foreach (var storage in storages)
            owners.TryAdd(storage, path);
        return null;
    }

    private static nint StorageOf(Tensor p) =>
        p.dtype == ScalarType.Float32 ? p.storage<float>().data_ptr() + (nint)p.storage_offset() : p.Handle;

    /// <summary>The model's real output shape for <c>[1, T]</c> zeros.</summary>
    private static long[] Measure(LanguageModel model, int length)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        return model.forward(zeros(1, length, dtype: ScalarType.Int64)).shape;   // [1, T] -> [1, T, V]
    }

    private static string TypeName(nn.Module module)
    {
        var name = module.GetType().Name;
        return name.IndexOf('`') is var tick and >= 0 ? name[..tick] : name;
    }
}

using static TorchSharp.torch;

namespace TinyGpt.App.Models;

/// <summary>What a model's modules output, found by running it once.</summary>
public static class ModuleShapes
{
    /// <summary>
    /// The output shape of every <c>Module&lt;Tensor, Tensor&gt;</c> of <paramref name="model"/> for
    /// one sequence of <paramref name="length"/> zeros, by module name (the model itself under "").
    /// Modules a forward pass runs without hooks (via <c>forward</c> rather than <c>call</c>) are missing.
    /// </summary>
    public static IReadOnlyDictionary<string, long[]> Trace(LanguageModel model, int length)
    {
        var shapes = new Dictionary<string, long[]>();
        var hooks = new List<Action>();
        foreach (var (name, module) in model.named_modules().Prepend(("", model)))
        {
            if (module is nn.Module<Tensor, Tensor> hookable)
            {
                var hook = hookable.register_forward_hook((_, _, output) =>
                {
                    shapes[name] = output.shape;
                    return output;
                });
                hooks.Add(hook.remove);
            }
        }
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            model.eval();
            model.call(zeros(1, length, dtype: ScalarType.Int64));   // [1, T] -> [1, T, V]
        }
        finally
        {
            hooks.ForEach(remove => remove());
        }
        return shapes;
    }
}

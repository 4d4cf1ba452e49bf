using TinyGpt.App.Models;
using TinyGpt.Interop;

namespace TinyGpt.App.Cli;

/// <summary>
/// The interop layer reports bad files with .NET's own exception types; for <c>export</c> and
/// <c>import</c> those are the user's to fix, so they become <see cref="TinyGptException"/>s.
/// </summary>
public static class InteropErrors
{
    /// <summary>Runs <paramref name="action"/>, turning a bad-file or bad-argument failure into a user error.</summary>
    public static T Translate<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (StateDictMismatchException e)
        {
            throw new TinyGptException(e.Message, e);
        }
        catch (DeclaredArchitectureException e)
        {
            // The runtime's remedy is a declaration; here the architecture is chosen with --model.
            var declared = e.Declared.Config;
            var exported = ModelCatalog.All.FirstOrDefault(m =>
                GptOptions.Differing(m.ConfigFor(declared.VocabSize), declared).All(o => o.Name == nameof(GptConfig.Dropout)));
            var choose = exported is null ? "Choose the --model with those options" : $"Import with --model {exported.Name}";
            throw new TinyGptException(
                $"{e.Problem} {choose}, or move {Path.GetFileName(e.Sidecar)} away (and pass --vocab) to import by the tensors' names and shapes alone.", e);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new TinyGptException($"{Capitalized(e.Message)}{(e.Message.EndsWith('.') ? "" : ".")}", e);
        }
    }

    private static string Capitalized(string message) =>
        message.Length == 0 ? message : char.ToUpperInvariant(message[0]) + message[1..];
}

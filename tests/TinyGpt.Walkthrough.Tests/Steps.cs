using System.Reflection;
using TinyGpt.Packaging.Tests;

namespace TinyGpt.Walkthrough.Tests;

/// <summary>
/// Runs each walkthrough step once, from the repository root, with <c>dotnet run walkthrough/NN-topic.cs</c>, and
/// keeps its output for every test that reads it. One run at a time: the steps share the runtime's build output
/// and step 9 reads the model step 8 saves.
/// </summary>
public sealed class Steps
{
    private readonly Dictionary<string, DotNet.Result> _runs = [];

    public static string RepositoryRoot { get; } =
        typeof(Steps).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>The output of <c>walkthrough/{step}.cs</c> run with <paramref name="arguments"/>; fails the test if it did not exit with 0.</summary>
    public string Run(string step, params string[] arguments)
    {
        var key = string.Join(' ', [step, .. arguments]);
        lock (_runs)
        {
            if (!_runs.TryGetValue(key, out var result))
            {
                string[] command = arguments.Length == 0
                    ? ["run", $"walkthrough/{step}.cs"]
                    : ["run", $"walkthrough/{step}.cs", "--", .. arguments];
                result = DotNet.Run(RepositoryRoot, command);
                _runs[key] = result;
            }
            Assert.True(result.ExitCode == 0, $"dotnet run walkthrough/{step}.cs: {result}");
            return result.Output;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class WalkthroughCollection : ICollectionFixture<Steps>
{
    public const string Name = "walkthrough steps";
}

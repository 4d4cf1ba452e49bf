using Xunit.Abstractions;

namespace TinyGpt.Generators.Tests.ShapeAnalysis;

/// <summary>
/// The analyzer against the corpus: each real bug must get its warning, correct code none. The summary
/// test prints recall and false alarms (the figures README quotes) and holds the floor measured.
/// </summary>
public class ShapeCorpusTests(ITestOutputHelper output)
{
    /// <summary>The share of corpus bugs found when this floor was set; lower it only with a reason.</summary>
    private const double RecallFloor = 0.9;

    public static TheoryData<ShapeCase> Correct() => [.. ShapeCorpus.Correct];

    [Theory]
    [MemberData(nameof(Correct))]
    public async Task Correct_code_gets_no_warning(ShapeCase @case)
    {
        var warnings = await ShapeHarness.WarningsAsync(@case.Source);
        Assert.True(warnings.Length == 0, $"false alarm on '{@case.Name}': {string.Join("; ", warnings.Select(w => $"{w.Id} {w.GetMessage()}"))}");
    }

    [Fact]
    public async Task Recall_and_false_alarms_over_the_corpus()
    {
        int found = 0, wrongRule = 0, extra = 0, falseAlarms = 0;
        foreach (var bug in ShapeCorpus.Bugs)
        {
            var warnings = await ShapeHarness.WarningsAsync(bug.Source);
            var hit = warnings.Any(w => w.Id == bug.Expected);
            found += hit ? 1 : 0;
            wrongRule += !hit && warnings.Length > 0 ? 1 : 0;
            extra += warnings.Count(w => w.Id != bug.Expected);
            output.WriteLine($"{(hit ? "found " : "MISSED")} {bug.Expected} {bug.Name}{(warnings.Length > 0 ? ": " + warnings[0].GetMessage() : "")}");
        }
        foreach (var correct in ShapeCorpus.Correct)
        {
            var warnings = await ShapeHarness.WarningsAsync(correct.Source);
            falseAlarms += warnings.Length;
            foreach (var warning in warnings)
                output.WriteLine($"FALSE ALARM {correct.Name}: {warning.Id} {warning.GetMessage()}");
        }
        var recall = (double)found / ShapeCorpus.Bugs.Length;
        var precision = found + extra + falseAlarms == 0 ? 1 : (double)found / (found + extra + falseAlarms);
        output.WriteLine($"bugs found: {found} of {ShapeCorpus.Bugs.Length} (recall {recall:P1}); another rule: {wrongRule}; " +
            $"extra warnings on bug programs: {extra}; false alarms on {ShapeCorpus.Correct.Length} correct programs: {falseAlarms}; precision {precision:P1}");

        Assert.Equal(0, falseAlarms);
        Assert.Equal(0, extra);
        Assert.True(recall >= RecallFloor, $"recall {recall:P1} is below the floor {RecallFloor:P0}");
    }

    [Fact]
    public async Task Every_bug_names_its_shapes_in_one_sentence()
    {
        foreach (var bug in ShapeCorpus.Bugs)
        {
            var warnings = await ShapeHarness.WarningsAsync(bug.Source);
            foreach (var warning in warnings)
            {
                var message = warning.GetMessage();
                Assert.Contains("[", message);
                Assert.DoesNotContain("\n", message);
                Assert.False(message.EndsWith('.'), message);
            }
        }
    }
}

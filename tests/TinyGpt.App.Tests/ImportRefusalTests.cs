using TinyGpt.Interop.Tests;

namespace TinyGpt.App.Tests;

/// <summary>
/// <c>tinygpt import</c> of each hostile or broken file of <see cref="HostileFiles"/>: exit 1, one
/// line on stderr naming the file, the entry and the rule, and nothing written to <c>--out</c>.
/// </summary>
public sealed class ImportRefusalTests
{
    public static TheoryData<string> Cases => HostileFiles.Names();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Import_refuses_it_in_one_line_and_writes_nothing(string name)
    {
        using var temp = new TempDir();
        var file = HostileFiles.All[name];
        var weights = temp.File(file.FileName);
        File.WriteAllBytes(weights, file.Bytes);

        var result = CliRun.InProcess("import", "--weights", weights, "--model", "baby", "--out", temp.File("out"));

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: ", line);
        HostileFiles.AssertOneLineRefusal(line["error: ".Length..], weights, file.Entry);
        Assert.False(Directory.Exists(temp.File("out")), "import wrote to --out");
        Assert.Equal([file.FileName], Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_pickle_naming_posix_system_says_what_it_tried_and_that_no_code_runs()
    {
        using var temp = new TempDir();
        var weights = temp.File("evil.pt");
        File.WriteAllBytes(weights, HostileFiles.All["posix.system"].Bytes);

        var result = CliRun.InProcess("import", "--weights", weights, "--model", "baby", "--out", temp.File("out"));

        BadInputTests.AssertUserError(result, "names the callable posix.system");
        Assert.Contains("TinyGpt never runs code from a file", result.Errors);
        Assert.DoesNotContain("IObjectConstructor", result.Errors);
    }
}

using ApprovalTests;
using ApprovalTests.Namers;
using ApprovalTests.Reporters;
using ApprovalTests.Writers;
using Microsoft.CodeAnalysis;

namespace TinyGpt.Generators.Tests;

/// <summary>
/// Snapshots of the generated source, the code learners read. Each test writes what the generator
/// produces to <c>SnapshotTests.&lt;Test&gt;.received.cs</c> and compares it with the committed
/// <c>SnapshotTests.&lt;Test&gt;.approved.cs</c> in <c>Snapshots/</c> beside this file.
/// </summary>
/// <remarks>
/// To accept a deliberate change to the generated code: run <c>dotnet test tests/TinyGpt.Generators.Tests</c>,
/// read the diff of each failing snapshot (<c>diff X.approved.cs X.received.cs</c>), then rename every
/// <c>*.received.cs</c> over its <c>*.approved.cs</c>
/// (<c>for f in tests/TinyGpt.Generators.Tests/Snapshots/*.received.cs; do mv "$f" "${f/.received./.approved.}"; done</c>)
/// and commit. Received files are git-ignored. The quiet reporter never launches a diff tool, so CI only fails.
/// </remarks>
[UseReporter(typeof(QuietReporter))]
[UseApprovalSubdirectory("Snapshots")]
public class SnapshotTests
{
    [Fact]
    public void Baby() => Verify("""
        namespace Demo;

        [TinyGpt.Gpt(Layers = 4, Heads = 4, Embd = 128, BlockSize = 64)]
        public partial class BabyGpt;
        """);

    [Fact]
    public void ShakespeareChar() => Verify("""
        namespace Demo;

        // nanoGPT's config/train_shakespeare_char.py
        [TinyGpt.Gpt(Layers = 6, Heads = 6, Embd = 384, BlockSize = 256, Dropout = 0.2)]
        public partial class ShakespeareCharGpt;
        """);

    [Fact]
    public void BiasedUntied() => Verify("""
        namespace Demo;

        [TinyGpt.Gpt(Layers = 2, Heads = 2, Embd = 64, BlockSize = 32, Bias = true, TieWeights = false)]
        public partial class BiasedUntiedGpt;
        """);

    [Fact]
    public void BabyBFloat16() => Verify("""
        namespace Demo;

        using TinyGpt;

        [Gpt(Layers = 4, Heads = 4, Embd = 128, BlockSize = 64, Precision = Precision.BFloat16)]
        public partial class BabyBf16Gpt;
        """);

    [Fact]
    public void ShakespeareCharBFloat16() => Verify("""
        namespace Demo;

        using TinyGpt;

        // bfloat16 with dropout: training attends explicitly, in bfloat16
        [Gpt(Layers = 6, Heads = 6, Embd = 384, BlockSize = 256, Dropout = 0.2, Precision = Precision.BFloat16)]
        public partial class ShakespeareBf16Gpt;
        """);

    [Fact]
    public void Lecture() => Verify("namespace Demo;\n\nusing TinyGpt;\n\n// the lecture's gpt.py\n" + ArchitectureTests.Lecture);

    [Fact]
    public void Modern() => Verify("namespace Demo;\n\nusing TinyGpt;\n\n// nanochat's block at baby's size\n" + ArchitectureTests.Modern);

    [Fact]
    public void Fallback() => Verify("""
        namespace Demo;

        // Embd 128 is not divisible by Heads 3 (TGPT004): a stand-in that throws, so code using BabyGpt compiles
        [TinyGpt.Gpt(Layers = 4, Heads = 3, Embd = 128, BlockSize = 64)]
        public partial class BabyGpt;
        """);

    /// <summary>
    /// Approves each generated file: the main one as <c>SnapshotTests.&lt;Test&gt;.approved.cs</c>, the KV-cache one
    /// as <c>SnapshotTests.&lt;Test&gt;.KvCache.approved.cs</c>.
    /// </summary>
    private static void Verify(string source)
    {
        var generated = GeneratorHarness.GeneratedSources(source);
        Verify(generated[0], scenario: null);
        if (generated.Length == 2)
            Verify(generated[1], scenario: "KvCache");
    }

    private static void Verify(GeneratedSourceResult generated, string? scenario)
    {
        NamerFactory.AdditionalInformation = scenario;
        try
        {
            var text = GeneratorHarness.ScrubGeneratorVersion(generated.SourceText.ToString());
            Approvals.Verify(new ApprovalTextWriter(text, "cs"));
        }
        finally
        {
            NamerFactory.AdditionalInformation = null;
        }
    }
}

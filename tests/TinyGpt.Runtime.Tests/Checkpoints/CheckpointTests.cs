using Xunit;
using static TorchSharp.torch;

namespace TinyGpt.Runtime.Tests;

public class CheckpointTests
{
    private static (TempDir Dir, Corpus Corpus, TinyLm Model) Trained(int steps = 10)
    {
        var dir = new TempDir();
        var corpus = Tiny.Corpus();
        var model = Tiny.Model(corpus);
        new Trainer(model, corpus, Tiny.Options(steps), dir.Path).Train();
        return (dir, corpus, model);
    }

    private static string ModelFile(string run) => Path.Combine(Checkpoint.Open(run).Directory, "model.bin");

    [Fact]
    public void Save_then_load_gives_identical_logits()
    {
        var (dir, corpus, model) = Trained();
        using var _ = dir;
        var checkpoint = Checkpoint.Open(dir.Path);
        Assert.Equal(10, checkpoint.Metadata.Step);
        Assert.Equal(corpus.Tokenizer.Vocabulary, checkpoint.Tokenizer.Vocabulary);
        Assert.Equal(model.Config, checkpoint.Metadata.Config);
        var loaded = Tiny.Model(corpus, seed: 99);
        checkpoint.LoadWeights(loaded);
        using var idx = tensor(corpus.Tokens[..32], [2, 16]);
        model.eval();
        loaded.eval();
        Assert.True(model.forward(idx).equal(loaded.forward(idx)).all().item<bool>());
    }

    [Fact]
    public void Latest_and_best_pointers_name_complete_checkpoints_and_old_ones_are_pruned()
    {
        var (dir, _, _) = Trained(steps: 20);
        using var _ = dir;
        var latest = Checkpoint.Open(Path.Combine(dir.Path, "latest"));
        var best = Checkpoint.Open(Path.Combine(dir.Path, "best"));
        Assert.Equal(20, latest.Metadata.Step);
        Assert.Equal(best.Metadata.BestValLoss, best.Metadata.ValLoss);
        Assert.Equal(latest.Metadata.BestValLoss, best.Metadata.ValLoss);
        Assert.InRange(Directory.GetDirectories(Path.Combine(dir.Path, "checkpoints")).Length, 1, 2);
    }

    private static CheckpointMetadata StepMetadata(Corpus corpus, TinyLm model, int step) =>
        new() { ModelName = model.GetName(), Config = model.Config, Vocabulary = corpus.Tokenizer.Vocabulary, Step = step };

    [Fact]
    public void Open_retries_when_a_save_prunes_the_checkpoint_it_was_about_to_read()
    {
        var (dir, corpus, model) = Trained();
        using var _ = dir;
        var saves = 0;
        string? pruned = null;
        Checkpoint.AfterResolve = folder =>
        {
            if (saves++ > 0) return;
            pruned = folder;
            // A trainer in another process checkpoints now: latest moves on and the folder just resolved is pruned.
            Checkpoint.Save(dir.Path, model, null, StepMetadata(corpus, model, 11), isBest: true);
        };
        try
        {
            var opened = Checkpoint.Open(dir.Path);
            Assert.False(Directory.Exists(pruned));                            // the race happened ...
            Assert.Equal(11, opened.Metadata.Step);                            // ... and Open read the newer checkpoint
            Assert.Equal(2, saves);                                            // on its second attempt
        }
        finally
        {
            Checkpoint.AfterResolve = null;
        }
    }

    [Fact]
    public void Open_never_fails_while_a_concurrent_trainer_prunes_old_checkpoints()
    {
        var (dir, corpus, model) = Trained();
        using var _ = dir;
        var failures = new List<string>();
        var opens = 0;
        using var saving = new CancellationTokenSource();
        var saver = new Thread(() =>
        {
            try
            {
                for (var step = 11; step < 71; step++)                          // every save prunes the checkpoint before it
                    Checkpoint.Save(dir.Path, model, null, StepMetadata(corpus, model, step), isBest: true);
            }
            finally
            {
                saving.Cancel();
            }
        });
        saver.Start();
        while (!saving.IsCancellationRequested)
        {
            try
            {
                Checkpoint.Open(dir.Path);
                opens++;
            }
            catch (TinyGptException e)
            {
                failures.Add(e.Message);
            }
        }
        saver.Join();
        Assert.True(failures.Count == 0, $"{failures.Count} of {opens + failures.Count} opens failed: {string.Join(" | ", failures.Distinct().Take(3))}");
        Assert.True(opens > 10, $"only {opens} opens raced the saves");
        Assert.Equal(70, Checkpoint.Open(dir.Path).Metadata.Step);
    }

    [Fact]
    public void A_truncated_file_is_reported()
    {
        var (dir, _, _) = Trained();
        using var _ = dir;
        var file = ModelFile(dir.Path);
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<TinyGptException>(() => Checkpoint.Open(dir.Path));
        Assert.Contains("model.bin is", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void A_corrupted_file_is_reported()
    {
        var (dir, _, _) = Trained();
        using var _ = dir;
        var file = ModelFile(dir.Path);
        var bytes = File.ReadAllBytes(file);
        bytes[^5] ^= 0xFF;
        File.WriteAllBytes(file, bytes);
        var e = Assert.Throws<TinyGptException>(() => Checkpoint.Open(dir.Path));
        Assert.Contains("model.bin does not match its checksum (corrupted)", e.Message);
    }

    [Fact]
    public void A_checkpoint_without_its_manifest_is_reported_as_unfinished()
    {
        var (dir, _, _) = Trained();
        using var _ = dir;
        var folder = Checkpoint.Open(dir.Path).Directory;
        File.Delete(Path.Combine(folder, "manifest.json"));
        var e = Assert.Throws<TinyGptException>(() => Checkpoint.Open(folder));
        Assert.Contains("manifest.json is missing, so its writing never finished", e.Message);
    }

    [Fact]
    public void A_pointer_to_a_deleted_folder_is_reported()
    {
        var (dir, _, _) = Trained();
        using var _ = dir;
        Directory.Delete(Checkpoint.Open(dir.Path).Directory, recursive: true);
        var e = Assert.Throws<TinyGptException>(() => Checkpoint.Open(dir.Path));
        Assert.Contains("names a folder that does not exist", e.Message);
    }

    [Fact]
    public void An_unwritable_run_directory_is_reported_before_training()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("a-file"), "");
        var corpus = Tiny.Corpus();
        var e = LibraryError.Assert(() => new Trainer(Tiny.Model(corpus), corpus, Tiny.Options(), dir.File("a-file/run")).Train(),
            "Trainer.RunDirectory", "Cannot write to the run directory");
        Assert.EndsWith("choose another Trainer.RunDirectory.", e.Message);
    }

    [Fact]
    public void A_missing_or_empty_checkpoint_is_reported()
    {
        using var dir = new TempDir();
        Assert.Contains("does not exist", Assert.Throws<TinyGptException>(() => Checkpoint.Open(dir.File("nope"))).Message);
        Assert.Contains("holds no checkpoint", Assert.Throws<TinyGptException>(() => Checkpoint.Open(dir.Path)).Message);
    }

    [Fact]
    public void Another_model_is_named_with_both_names()
    {
        var (dir, corpus, _) = Trained();
        using var _ = dir;
        var checkpoint = Checkpoint.Open(dir.Path);
        var bigram = new BigramLanguageModel(corpus.Tokenizer.VocabSize);
        var e = Assert.Throws<TinyGptException>(() => checkpoint.LoadWeights(bigram));
        Assert.Contains("belongs to model TinyLm", e.Message);
        Assert.Contains("not to BigramLanguageModel", e.Message);

        var wider = new TinyLm(corpus.Tokenizer.VocabSize, embd: 32);
        var config = Assert.Throws<TinyGptException>(() => checkpoint.LoadWeights(wider));
        Assert.Contains("was trained for TinyLm with Embd = 16, but TinyLm is now declared with Embd = 32", config.Message);
    }

    [Fact]
    public void Differing_tensors_are_listed()
    {
        var (dir, corpus, _) = Trained();
        using var _ = dir;
        var checkpoint = Checkpoint.Open(dir.Path);
        var other = new Renamed(corpus.Tokenizer.VocabSize);
        var e = Assert.Throws<TinyGptException>(() => checkpoint.LoadWeights(other));
        Assert.Contains("does not fit TinyLm", e.Message);
        Assert.Contains("token_embedding_table.weight [", e.Message);
        Assert.Contains("wte.weight is in the checkpoint but not in the model", e.Message);
    }

    /// <summary>Claims TinyLm's name and config but holds other tensors.</summary>
    private sealed class Renamed : LanguageModel
    {
        private readonly BigramLanguageModel inner;

        public Renamed(int vocab) : base(nameof(TinyLm))
        {
            inner = new BigramLanguageModel(vocab);
            Config = new TinyLm(vocab).Config;
            RegisterComponents();
        }

        public override GptConfig Config { get; }

        public override Tensor forward(Tensor idx) => inner.forward(idx);
    }

    [Theory]
    [InlineData("model")]
    [InlineData("optimizer")]
    [InlineData("state")]
    [InlineData("manifest")]
    [InlineData("rename")]
    [InlineData("latest")]
    [InlineData("best")]
    [InlineData("prune")]
    public void A_crash_at_any_stage_of_a_save_leaves_the_previous_checkpoint_loadable(string stage)
    {
        var (dir, corpus, model) = Trained(steps: 5);
        using var _ = dir;
        Checkpoint.BeforeStage = s => { if (s == stage) throw new IOException("simulated crash at " + s); };
        try
        {
            Assert.Throws<IOException>(() => new Trainer(model, corpus, Tiny.Options(10) with { Resume = true }, dir.Path).Train());
        }
        finally
        {
            Checkpoint.BeforeStage = null;
        }
        var checkpoint = Checkpoint.Open(dir.Path);
        Assert.Contains(checkpoint.Metadata.Step, stage is "best" or "prune" ? new[] { 5, 10 } : new[] { 5 });
        checkpoint.LoadWeights(Tiny.Model(corpus));
        var resumed = new Trainer(Tiny.Model(corpus), corpus, Tiny.Options(15) with { Resume = true }, dir.Path).Train();
        Assert.Equal(15, resumed.Step);
    }
}

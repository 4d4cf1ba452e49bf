using System.Security.Cryptography;
using System.Text.Json;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyGpt;

/// <summary>
/// A saved training state. A run directory holds:
/// <code>
/// run/
///   latest                 pointer file: "checkpoints/step-000500-1a2b3c4d"
///   best                   pointer file to the checkpoint with the lowest val loss
///   checkpoints/step-…/    model.bin, optimizer.bin, state.json, manifest.json (written last)
///   log.csv, loss.png
/// </code>
/// A checkpoint is written into a temporary folder, flushed to disk, renamed into place, and only
/// then do the pointers move (each pointer by an atomic file rename). A crash at any moment leaves
/// the previous checkpoint complete and pointed to. <c>manifest.json</c> lists every file's length
/// and SHA-256, so a truncated or corrupted file is reported instead of loaded.
/// </summary>
public sealed class Checkpoint
{
    /// <summary>Pointer file naming the most recent checkpoint.</summary>
    public const string LatestPointer = "latest";

    /// <summary>Pointer file naming the checkpoint with the best validation loss.</summary>
    public const string BestPointer = "best";

    /// <summary>The argument of <see cref="Open"/> its errors name.</summary>
    public const string PathArgument = "Checkpoint.Open(path)";

    /// <summary>The argument of <see cref="LoadWeights"/> its errors name.</summary>
    public const string ModelArgument = "Checkpoint.LoadWeights(model)";

    internal const string CheckpointsFolder = "checkpoints";
    internal const string ManifestFile = "manifest.json";
    internal const string StateFile = "state.json";
    internal const string ModelFile = "model.bin";
    internal const string OptimizerFile = "optimizer.bin";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Test hook: called before each stage of <see cref="Save"/> to simulate a crash there.</summary>
    internal static Action<string>? BeforeStage
    {
        get => StageHook.Value;
        set => StageHook.Value = value;
    }

    private static readonly AsyncLocal<Action<string>?> StageHook = new();

    /// <summary>Test hook: called with the folder <see cref="Open"/> resolved, before reading it, to race a pruning save there.</summary>
    internal static Action<string>? AfterResolve
    {
        get => ResolveHook.Value;
        set => ResolveHook.Value = value;
    }

    private static readonly AsyncLocal<Action<string>?> ResolveHook = new();

    private Checkpoint(string directory, CheckpointMetadata metadata, Dictionary<string, byte[]> files)
    {
        Directory = directory;
        Metadata = metadata;
        _files = files;
        Tokenizer = CharTokenizer.FromVocabulary(metadata.Vocabulary);
    }

    private readonly Dictionary<string, byte[]> _files;

    /// <summary>The concrete checkpoint folder (under <c>checkpoints/</c>).</summary>
    public string Directory { get; }

    /// <summary>Model name, config, vocabulary, step, losses and RNG state.</summary>
    public CheckpointMetadata Metadata { get; }

    /// <summary>The tokenizer the model was trained with.</summary>
    public CharTokenizer Tokenizer { get; }

    /// <summary>Whether the checkpoint carries optimizer state (needed to resume).</summary>
    public bool HasOptimizerState => _files.ContainsKey(OptimizerFile);

    /// <summary>True when <paramref name="runDirectory"/> has a latest checkpoint to resume from.</summary>
    public static bool Exists(string runDirectory) => File.Exists(Path.Combine(runDirectory, LatestPointer));

    /// <summary>
    /// What run <paramref name="runDirectory"/> holds, e.g. <c>ModernGpt at step 500, val loss 1.9876; Layers = 4, …,
    /// KvHeads = 2, Positions = Rotary, …</c> (its architecture as <see cref="Interop.GptOptions.Describe"/> gives it;
    /// or that its latest checkpoint does not load), or null when it holds none. Whoever is about to
    /// replace a run says so with this, since a fresh start deletes the directory's checkpoints.
    /// </summary>
    public static string? DescribeRun(string runDirectory)
    {
        if (!Exists(runDirectory))
            return null;
        try
        {
            var m = Open(runDirectory).Metadata;
            return $"{m.ModelName} at step {m.Step}" + (m.ValLoss is { } val ? FormattableString.Invariant($", val loss {val:F4}") : "") +
                   $"; {Describe(m.Config)}";
        }
        catch (TinyGptException)
        {
            return "its latest checkpoint does not load";
        }
    }

    /// <summary>
    /// Opens and verifies a checkpoint: <paramref name="path"/> may be a run directory (its latest
    /// checkpoint), a pointer file (<c>run/best</c>, <c>run/latest</c>) or a checkpoint folder. Every
    /// file is checked against the manifest; any problem is a <see cref="TinyGptException"/>.
    /// </summary>
    public static Checkpoint Open(string path)
    {
        // A training run writing into the same directory may prune the folder a pointer named a
        // moment ago; reading the pointer again finds the newer checkpoint.
        for (var attempt = 1; ; attempt++)
        {
            var directory = Resolve(path);
            AfterResolve?.Invoke(directory);
            try
            {
                return OpenFolder(directory);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                if (attempt < 5 && Resolve(path) != directory)
                    continue;
                throw Damaged(directory, e is MissingPartException ? e.Message : $"a file vanished while reading it ({e.Message})", e);
            }
        }
    }

    private static Checkpoint OpenFolder(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new MissingPartException("the pointer names a folder that does not exist");
        var manifestPath = Path.Combine(directory, ManifestFile);
        // A missing part is reported as a vanished file: a pruning save may be deleting this folder file by file.
        if (!File.Exists(manifestPath))
            throw new MissingPartException($"{ManifestFile} is missing, so its writing never finished");
        Manifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllBytes(manifestPath), Json)
                ?? throw new JsonException("null manifest");
        }
        catch (JsonException e)
        {
            throw Damaged(directory, $"{ManifestFile} is not valid JSON ({e.Message})");
        }
        var files = new Dictionary<string, byte[]>();
        foreach (var entry in manifest.Files)
        {
            var file = Path.Combine(directory, entry.Name);
            if (!File.Exists(file))
                throw new MissingPartException($"{entry.Name} is missing");
            var bytes = File.ReadAllBytes(file);
            if (bytes.LongLength != entry.Length)
                throw Damaged(directory, $"{entry.Name} is {bytes.LongLength:N0} bytes but should be {entry.Length:N0} (truncated or overwritten)");
            if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != entry.Sha256)
                throw Damaged(directory, $"{entry.Name} does not match its checksum (corrupted)");
            files[entry.Name] = bytes;
        }
        if (!files.TryGetValue(StateFile, out var stateBytes) || !files.ContainsKey(ModelFile))
            throw Damaged(directory, $"the manifest does not list {StateFile} and {ModelFile}");
        CheckpointMetadata metadata;
        try
        {
            metadata = JsonSerializer.Deserialize<CheckpointMetadata>(stateBytes, Json) ?? throw new JsonException("null state");
        }
        catch (JsonException e)
        {
            throw Damaged(directory, $"{StateFile} cannot be read ({e.Message})");
        }
        return new Checkpoint(directory, metadata, files);
    }

    /// <summary>
    /// Copies the weights into <paramref name="model"/> after checking that it is the model the
    /// checkpoint was trained for: same name, same config, same tensor names and shapes.
    /// </summary>
    public void LoadWeights(LanguageModel model)
    {
        EnsureMatches(model);
        using var stream = new MemoryStream(_files[ModelFile], writable: false);
        try
        {
            model.load(stream, strict: true);
        }
        catch (Exception e) when (e is not TinyGptException)
        {
            throw Damaged(Directory, $"{ModelFile} cannot be loaded into {model.GetName()} ({e.Message})", e);
        }
    }

    /// <summary>Throws a <see cref="TinyGptException"/> naming both models, or the differing tensors, when <paramref name="model"/> does not fit.</summary>
    public void EnsureMatches(LanguageModel model)
    {
        var name = model.GetName();
        if (name != Metadata.ModelName)
            throw TinyGptException.About(ModelArgument,
                $"The checkpoint '{Directory}' belongs to model {Metadata.ModelName} ({Describe(Metadata.Config)}), not to {name} ({Describe(model.Config)});",
                $"load it into a {Metadata.ModelName}.");
        if (model.Config != Metadata.Config)
        {
            // Name what differs first: with every option listed, a KvHeads or Positions change would hide in a long line.
            var differing = Interop.GptOptions.Differing(Metadata.Config, model.Config);
            throw TinyGptException.About(ModelArgument,
                $"The checkpoint '{Directory}' was trained for {Metadata.ModelName} with {Interop.GptOptions.DescribeDifferences(differing, Metadata.Config)}, " +
                $"but {name} is now declared with {Interop.GptOptions.DescribeDifferences(differing, model.Config)} " +
                $"(the checkpoint's architecture: {Describe(Metadata.Config)});",
                "restore the declaration or train again.");
        }
        var expected = TensorShapes(model);
        var differences = new List<string>();
        foreach (var (key, shape) in expected)
        {
            if (!Metadata.Tensors.TryGetValue(key, out var saved))
                differences.Add($"{key} {FormatShape(shape)} is not in the checkpoint");
            else if (!saved.SequenceEqual(shape))
                differences.Add($"{key} is {FormatShape(saved)} in the checkpoint but {FormatShape(shape)} in the model");
        }
        foreach (var key in Metadata.Tensors.Keys.Where(k => !expected.ContainsKey(k)))
            differences.Add($"{key} is in the checkpoint but not in the model");
        if (differences.Count > 0)
            throw new TinyGptException(
                $"The checkpoint '{Directory}' does not fit {name}: {string.Join("; ", differences.Take(8))}" +
                (differences.Count > 8 ? $"; and {differences.Count - 8} more" : "") + ".");
    }

    /// <summary>Restores AdamW's moments and step counts.</summary>
    internal void LoadOptimizer(OptimizerHelper optimizer)
    {
        if (!_files.TryGetValue(OptimizerFile, out var bytes))
            throw new TinyGptException($"The checkpoint '{Directory}' has no optimizer state, so training cannot resume from it.");
        using var reader = new BinaryReader(new MemoryStream(bytes, writable: false));
        try
        {
            optimizer.load_state_dict(reader);
        }
        catch (Exception e) when (e is not TinyGptException)
        {
            throw Damaged(Directory, $"{OptimizerFile} does not fit this model's optimizer ({e.Message})", e);
        }
    }

    /// <summary>
    /// Writes a checkpoint of <paramref name="model"/> (and <paramref name="optimizer"/>, if given)
    /// into <paramref name="runDirectory"/>, moves the <c>latest</c> pointer to it, and the
    /// <c>best</c> pointer too when <paramref name="isBest"/>; removes checkpoints no pointer names.
    /// Returns the new checkpoint folder.
    /// </summary>
    public static string Save(string runDirectory, LanguageModel model, OptimizerHelper? optimizer, CheckpointMetadata metadata, bool isBest)
    {
        var root = Path.Combine(runDirectory, CheckpointsFolder);
        System.IO.Directory.CreateDirectory(root);
        var name = $"step-{metadata.Step:D8}-{Guid.NewGuid().ToString("N")[..8]}";
        var temporary = Path.Combine(root, ".tmp-" + name);
        System.IO.Directory.CreateDirectory(temporary);
        var entries = new List<ManifestEntry>();

        Stage("model");
        entries.Add(WriteFile(temporary, ModelFile, stream => model.save(stream)));
        if (optimizer is not null)
        {
            Stage("optimizer");
            entries.Add(WriteFile(temporary, OptimizerFile, stream =>
            {
                using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
                optimizer.save_state_dict(writer);
            }));
        }
        Stage("state");
        var state = metadata with { ModelName = model.GetName(), Config = model.Config, Tensors = TensorShapes(model), SavedAt = DateTimeOffset.UtcNow };
        entries.Add(WriteFile(temporary, StateFile, stream => JsonSerializer.Serialize(stream, state, Json)));
        Stage("manifest");
        WriteFile(temporary, ManifestFile, stream => JsonSerializer.Serialize(stream, new Manifest(entries), Json));

        Stage("rename");
        var final = Path.Combine(root, name);
        System.IO.Directory.Move(temporary, final);
        var relative = Path.Combine(CheckpointsFolder, name);
        Stage("latest");
        WritePointer(runDirectory, LatestPointer, relative);
        if (isBest)
        {
            Stage("best");
            WritePointer(runDirectory, BestPointer, relative);
        }
        Stage("prune");
        Prune(runDirectory);
        return final;
    }

    /// <summary>Removes a run's checkpoints and pointers (a fresh run, or an import, replacing it).</summary>
    public static void Clear(string runDirectory)
    {
        foreach (var pointer in new[] { LatestPointer, BestPointer })
            File.Delete(Path.Combine(runDirectory, pointer));
        var root = Path.Combine(runDirectory, CheckpointsFolder);
        if (System.IO.Directory.Exists(root))
            System.IO.Directory.Delete(root, recursive: true);
    }

    private static void Stage(string stage) => BeforeStage?.Invoke(stage);

    private static Dictionary<string, long[]> TensorShapes(LanguageModel model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

    private static ManifestEntry WriteFile(string directory, string name, Action<Stream> write)
    {
        var buffer = new MemoryStream();
        write(buffer);                        // TorchSharp's save closes the stream it is given
        var bytes = buffer.ToArray();
        using (var stream = new FileStream(Path.Combine(directory, name), FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        return new ManifestEntry(name, bytes.LongLength, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    private static void WritePointer(string runDirectory, string pointer, string target)
    {
        var path = Path.Combine(runDirectory, pointer);
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
        {
            stream.Write(System.Text.Encoding.UTF8.GetBytes(target.Replace('\\', '/')));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);   // rename(2): the pointer is old or new, never half
    }

    private static void Prune(string runDirectory)
    {
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pointer in new[] { LatestPointer, BestPointer })
            if (ReadPointer(runDirectory, pointer) is { } target)
                keep.Add(Path.GetFileName(target));
        var root = Path.Combine(runDirectory, CheckpointsFolder);
        foreach (var folder in System.IO.Directory.EnumerateDirectories(root))
            if (!keep.Contains(Path.GetFileName(folder)))
                TryDelete(folder);
        foreach (var stray in System.IO.Directory.EnumerateFiles(runDirectory, "*.tmp-*"))
            File.Delete(stray);
    }

    private static void TryDelete(string folder)
    {
        try { System.IO.Directory.Delete(folder, recursive: true); }
        catch (IOException) { }   // another process may still read it; the next save retries
    }

    private static string? ReadPointer(string runDirectory, string pointer)
    {
        var path = Path.Combine(runDirectory, pointer);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    private static string Resolve(string path)
    {
        if (File.Exists(path))
        {
            var target = File.ReadAllText(path).Trim();
            return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, target);
        }
        if (!System.IO.Directory.Exists(path))
            throw TinyGptException.About(PathArgument, $"The checkpoint '{path}' does not exist;",
                $"pass the run directory that training wrote (its {Trainer.RunDirectoryArgument}).");
        if (new[] { ManifestFile, StateFile, ModelFile }.Any(f => File.Exists(Path.Combine(path, f))))
            return path;
        if (ReadPointer(path, LatestPointer) is { } latest)
            return Path.Combine(path, latest);
        throw TinyGptException.About(PathArgument, $"'{path}' holds no checkpoint (no '{LatestPointer}' file);",
            $"train into it first, or pass the directory given as {Trainer.RunDirectoryArgument}.");
    }

    private static TinyGptException Damaged(string directory, string problem, Exception? inner = null)
    {
        var message = $"The checkpoint '{directory}' is damaged: {problem}. Resume from another checkpoint (e.g. the run's 'best') or train again.";
        return inner is null ? new TinyGptException(message) : new TinyGptException(message, inner);
    }

    // nanoGPT's sizes, Bias and TieWeights, then every option that differs from its default, in C# names.
    private static string Describe(GptConfig c) => c.IsBigram
        ? $"bigram, VocabSize = {c.VocabSize}, BlockSize = {c.BlockSize}"
        : Interop.GptOptions.Describe(c);

    private static string FormatShape(long[] shape) => $"[{string.Join(", ", shape)}]";

    private sealed record Manifest(List<ManifestEntry> Files);

    /// <summary>A part of a checkpoint that is not there: damage, or a pruning save deleting the folder as it is read.</summary>
    private sealed class MissingPartException(string problem) : FileNotFoundException(problem);

    private sealed record ManifestEntry(string Name, long Length, string Sha256);
}

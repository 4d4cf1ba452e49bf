using Xunit;

namespace TinyGpt.Interop.Tests;

/// <summary>
/// Every hostile or broken file of <see cref="HostileFiles"/> is refused by the library with one
/// line that names the file, the entry and the rule, and nothing of a library's internals.
/// </summary>
public sealed class HostileFileTests : IDisposable
{
    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    public static TheoryData<string> Cases => HostileFiles.Names();

    [Theory]
    [MemberData(nameof(Cases))]
    public void StateDictFile_refuses_it_in_one_line(string name)
    {
        var path = Write(name);

        var error = Assert.Throws<WeightFileException>(() => StateDictFile.Load(path));

        HostileFiles.AssertOneLineRefusal(error.Message, path, HostileFiles.All[name].Entry);
        Assert.Equal(path, error.File);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void NanoGptImport_refuses_it_and_leaves_the_model_alone(string name)
    {
        var path = Write(name);
        using var model = new LayoutModel(new GptConfig(Layers: 1, Heads: 1, Embd: 4, BlockSize: 4, VocabSize: 4), seed: 3);
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

        var error = Assert.ThrowsAny<TinyGptException>(() => NanoGptImport.LoadInto(model, path));

        HostileFiles.AssertOneLineRefusal(error.Message, path, HostileFiles.All[name].Entry);
        foreach (var (key, tensor) in model.state_dict())
            Assert.True(tensor.Equals(before[key]), key);
    }

    [Fact]
    public void Code_is_refused_with_what_it_tried_and_not_with_advice_to_allow_it()
    {
        var path = Write("posix.system");

        var message = Assert.Throws<WeightFileException>(() => StateDictFile.Load(path)).Message;

        Assert.Contains("names the callable posix.system", message);
        Assert.Contains("TinyGpt never runs code from a file", message);
        Assert.False(File.Exists(Path.Combine(Environment.CurrentDirectory, "pwned")));
    }

    [Fact]
    public void A_huge_shape_is_refused_before_anything_is_allocated()
    {
        var message = Assert.Throws<WeightFileException>(() => StateDictFile.Load(Write("huge shape"))).Message;
        Assert.Contains("has shape [1000000000, 1000000000] of F32, which needs 4000000000000000000 bytes, but its data_offsets [0, 16] hold 16", message);
    }

    [Fact]
    public void The_benign_files_the_corpus_is_made_from_load()
    {
        File.WriteAllBytes(temp["benign.pt"], HostileFiles.BenignPt());
        File.WriteAllBytes(temp["benign.safetensors"], HostileFiles.BenignSafetensors());

        foreach (var file in new[] { "benign.pt", "benign.safetensors" })
        {
            var tensors = StateDictFile.Load(temp[file]);
            Assert.Equal(["w"], tensors.Keys);
            Assert.Equal([2L, 2L], tensors["w"].shape);
        }
    }

    string Write(string name)
    {
        var file = HostileFiles.All[name];
        var path = temp[file.FileName];
        File.WriteAllBytes(path, file.Bytes);
        return path;
    }
}

using static TorchSharp.torch;
using Xunit;

namespace TinyGpt.Interop.Tests;

public sealed class StateDictFileTests : IDisposable
{
    static readonly GptConfig Odd = new(Layers: 2, Heads: 5, Embd: 80, BlockSize: 16, VocabSize: 67, Bias: true);

    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData(WeightFormat.Pt)]
    [InlineData(WeightFormat.Safetensors)]
    public void Round_trip_keeps_every_name_shape_and_value(WeightFormat format)
    {
        using var model = new LayoutModel(Odd, seed: 1);
        var path = temp["w" + format.Extension()];
        var state = model.state_dict();

        StateDictFile.Save(state, path, format);
        var loaded = StateDictFile.Load(path);

        Assert.Equal(state.Keys.Order(), loaded.Keys.Order());
        foreach (var (name, tensor) in state)
            Assert.True(tensor.Equals(loaded[name]), name);
        Assert.NotEqual(loaded[NanoGptLayout.TokenEmbedding].Handle, loaded[NanoGptLayout.LmHead].Handle);
        Assert.Equal(format, WeightFormats.Detect(path));
    }

    [Fact]
    public void Tied_weights_share_one_storage_in_pt_and_are_two_copies_in_safetensors()
    {
        using var model = new LayoutModel(Odd, seed: 2);
        StateDictFile.Save(model.state_dict(), temp["w.pt"], WeightFormat.Pt);
        StateDictFile.Save(model.state_dict(), temp["w.safetensors"], WeightFormat.Safetensors);

        var pt = PythonReference.RunJson("describe", "--weights", temp["w.pt"]);
        var st = PythonReference.RunJson("describe", "--weights", temp["w.safetensors"]);

        Assert.Equal("[[\"transformer.wte.weight\",\"lm_head.weight\"]]", pt["shared"]!.ToJsonString());
        Assert.Equal("[]", st["shared"]!.ToJsonString());
        Assert.Equal(model.state_dict().Count, st["tensors"]!.AsObject().Count);
    }

    [Theory]
    [InlineData("nanoGPT's state_dict()")]
    [InlineData("--tied-as-one-object")]
    [InlineData("--as-checkpoint")]
    public void A_tied_state_dict_saved_by_PyTorch_loads(string variant)
    {
        var config = Odd with { Bias = false };
        string[] extra = variant.StartsWith("--") ? [variant] : [];
        PythonReference.Run(["save-random", "--config", temp.Config(config), "--out", temp["w.pt"], .. extra]);

        var pt = StateDictFile.Load(temp["w.pt"]);

        Assert.Equal(NanoGptLayout.For(config).Select(e => (e.Name, NanoGptLayout.Format(e.Shape))).Order(),
            pt.Select(kv => (kv.Key, NanoGptLayout.Format(kv.Value.shape))).Order());
        Assert.True(pt[NanoGptLayout.TokenEmbedding].Equals(pt[NanoGptLayout.LmHead]));
        Assert.NotEqual(pt[NanoGptLayout.TokenEmbedding].Handle, pt[NanoGptLayout.LmHead].Handle);
    }

    [Fact]
    public void A_file_of_neither_format_is_a_clear_error()
    {
        File.WriteAllText(temp["w.pt"], "not weights at all");
        var error = Assert.Throws<WeightFileException>(() => StateDictFile.Load(temp["w.pt"]));
        Assert.Contains("neither a torch.save zip nor a safetensors file", error.Message);
    }

    [Fact]
    public void A_truncated_safetensors_file_is_an_error_not_zeros()
    {
        using var model = new LayoutModel(Odd);
        StateDictFile.Save(model.state_dict(), temp["w.safetensors"], WeightFormat.Safetensors);
        var bytes = File.ReadAllBytes(temp["w.safetensors"]);
        File.WriteAllBytes(temp["cut.safetensors"], bytes[..^100]);

        var error = Assert.Throws<WeightFileException>(() => StateDictFile.Load(temp["cut.safetensors"]));
        Assert.Contains("past the end of the file's", error.Message);
    }

    [Fact]
    public void A_failed_write_leaves_neither_the_file_nor_a_partial_one()
    {
        using var model = new LayoutModel(Odd);
        var state = model.state_dict().Append(new("odd.dtype", TorchSharp.torch.zeros(2, dtype: TorchSharp.torch.ScalarType.ComplexFloat32)));

        Assert.ThrowsAny<Exception>(() => StateDictFile.Save(state, temp["w.safetensors"], WeightFormat.Safetensors));
        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void Natural_order_puts_block_2_before_block_10()
    {
        var config = new GptConfig(Layers: 11, Heads: 1, Embd: 2, BlockSize: 2, VocabSize: 2);
        using var model = new LayoutModel(config);
        StateDictFile.Save(model.state_dict(), temp["w.pt"], WeightFormat.Pt);
        var names = StateDictFile.Load(temp["w.pt"]).Keys.ToList();
        Assert.True(names.IndexOf("transformer.h.2.ln_1.weight") < names.IndexOf("transformer.h.10.ln_1.weight"));
    }
}

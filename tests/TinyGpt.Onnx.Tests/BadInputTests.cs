using Xunit;

namespace TinyGpt.Onnx.Tests;

/// <summary>Each bad input to the package is one <see cref="TinyGptOnnxException"/> that says what is wrong.</summary>
public sealed class BadInputTests : IDisposable
{
    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void A_missing_model_names_the_file()
    {
        var error = Assert.Throws<TinyGptOnnxException>(() => OnnxGpt.Load(temp["nothing.onnx"]));
        Assert.Contains("nothing.onnx' does not exist", error.Message);
    }

    [Fact]
    public void A_corrupt_model_says_it_is_not_a_valid_ONNX_model()
    {
        var files = Copy();
        var bytes = File.ReadAllBytes(files.Model);
        File.WriteAllBytes(files.Model, bytes[..(bytes.Length / 3)]);    // truncated, as by an interrupted copy

        var error = Assert.Throws<TinyGptOnnxException>(() => OnnxGpt.Load(files.Model));
        Assert.Contains("is not a valid ONNX model", error.Message);
    }

    [Fact]
    public void A_vocabulary_larger_than_the_models_is_refused()
    {
        var files = Copy();
        var characters = string.Concat(Enumerable.Range(0, 70).Select(i => (char)('\u0100' + i)));
        new Interop.NanoGptSidecar(OnnxModels.Get("small").Model.Config, characters).Write(files.Sidecar);

        var error = Assert.Throws<TinyGptOnnxException>(() => OnnxGpt.Load(files.Model));
        Assert.Contains("has 70 characters but", error.Message);
        Assert.Contains("VocabSize 65", error.Message);
    }

    [Fact]
    public void A_missing_vocabulary_names_the_file()
    {
        var files = Copy();
        File.Delete(files.Sidecar);

        var error = Assert.Throws<TinyGptOnnxException>(() => OnnxGpt.Load(files.Model));
        Assert.Contains("small.json' does not exist", error.Message);
    }

    [Fact]
    public void A_prompt_character_outside_the_vocabulary_is_named_with_its_position()
    {
        using var model = OnnxGpt.Load(OnnxModels.Get("small").Files.Model);

        var error = Assert.Throws<TinyGptOnnxException>(() => new OnnxSampler(model).Stream("ab€c"));
        Assert.Contains("'€' (U+20AC) at position 2", error.Message);
    }

    [Fact]
    public void Nonsense_sampling_options_name_the_property()
    {
        using var model = OnnxGpt.Load(OnnxModels.Get("small").Files.Model);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxSampler(model).Stream("a", new OnnxSamplingOptions { Temperature = 0 }));
        Assert.Contains("OnnxSamplingOptions.Temperature must be a positive number", error.Message);
    }

    Interop.OnnxExportedFiles Copy()
    {
        var files = OnnxModels.Get("small").Files;
        var model = temp["small.onnx"];
        File.Copy(files.Model, model);
        File.Copy(files.CachedModel!, Interop.OnnxExport.CachedModelPath(model));
        File.Copy(files.Sidecar, temp["small.json"]);
        return new Interop.OnnxExportedFiles(model, Interop.OnnxExport.CachedModelPath(model), temp["small.json"]);
    }
}

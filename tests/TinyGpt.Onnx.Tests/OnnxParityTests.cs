using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TinyGpt.Interop;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TinyGpt.Onnx.Tests;

/// <summary>ONNX Runtime, fed the exported graphs directly, against TinyGpt's own forward pass.</summary>
public sealed class OnnxParityTests
{
    const float Tolerance = 1e-4f;

    [Theory]
    [MemberData(nameof(OnnxModels.Names), MemberType = typeof(OnnxModels))]
    public void The_plain_graph_gives_TinyGpts_logits_for_any_batch_and_length(string name)
    {
        var trained = OnnxModels.Get(name);
        var config = trained.Model.Config;
        using var session = new InferenceSession(trained.Files.Model);

        foreach (var (batch, time) in new[] { (1, 1), (2, 5), (3, config.BlockSize) })
        {
            var tokens = Tokens(batch * time, seed: batch + time);
            var expected = TinyGptLogits(trained.Model, tokens, batch, time);
            using var idx = OrtValue.CreateTensorValueFromMemory(tokens, [batch, time]);
            using var run = new RunOptions();
            using var outputs = session.Run(run, ["idx"], [idx], ["logits"]);

            Assert.Equal([batch, time, config.VocabSize], outputs[0].GetTensorTypeAndShape().Shape);
            AssertClose(expected, outputs[0].GetTensorDataAsSpan<float>().ToArray(), $"{name} [{batch}, {time}]");
        }
    }

    [Theory]
    [MemberData(nameof(GptNames))]
    public void The_cached_graph_fed_in_pieces_gives_the_plain_graphs_logits(string name)
    {
        var trained = OnnxModels.Get(name);
        var config = trained.Model.Config;
        using var cached = new InferenceSession(trained.Files.CachedModel!);
        var tokens = Tokens(config.BlockSize, seed: 11);
        var expected = TinyGptLogits(trained.Model, tokens, 1, tokens.Length);   // [T, V]
        var v = config.VocabSize;

        // The prompt's first 3 tokens in one call from an empty past, then one token per call.
        var past = Enumerable.Range(0, 2 * config.Layers)
            .Select(_ => OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [1, config.KvHeads, 0, config.HeadSize]))
            .ToArray();
        var inputNames = new List<string> { "idx" };
        var outputNames = new List<string> { "logits" };
        for (var i = 0; i < config.Layers; i++)
        {
            inputNames.AddRange([$"past_key_values.{i}.key", $"past_key_values.{i}.value"]);
            outputNames.AddRange([$"present.{i}.key", $"present.{i}.value"]);
        }
        for (var start = 0; start < tokens.Length;)
        {
            var length = start == 0 ? 3 : 1;
            using var idx = OrtValue.CreateTensorValueFromMemory(tokens[start..(start + length)], [1, length]);
            using var run = new RunOptions();
            var outputs = cached.Run(run, inputNames, [idx, .. past], outputNames);
            AssertClose(expected[(start * v)..((start + length) * v)], outputs[0].GetTensorDataAsSpan<float>().ToArray(), $"{name} at {start}");
            Assert.Equal([1, config.KvHeads, start + length, config.HeadSize], outputs[1].GetTensorTypeAndShape().Shape);
            foreach (var value in past) value.Dispose();
            past = outputs.Skip(1).ToArray();
            outputs[0].Dispose();
            start += length;
        }
        foreach (var value in past) value.Dispose();
    }

    [Fact]
    public void The_bigram_baseline_has_no_cached_graph()
    {
        var trained = OnnxModels.Get("bigram");
        Assert.Null(trained.Files.CachedModel);
        Assert.False(File.Exists(OnnxExport.CachedModelPath(trained.Files.Model)));
    }

    [Fact]
    public void The_graphs_declare_the_documented_interface()
    {
        var trained = OnnxModels.Get("small");
        using var plain = new InferenceSession(trained.Files.Model);
        Assert.Equal(["idx"], plain.InputNames);
        Assert.Equal(["logits"], plain.OutputNames);
        Assert.Equal(TensorElementType.Int64, plain.InputMetadata["idx"].ElementDataType);
        Assert.Equal(["batch", "T"], plain.InputMetadata["idx"].SymbolicDimensions);
        Assert.Equal([-1, -1, 65], plain.OutputMetadata["logits"].Dimensions);
        Assert.Equal("16", plain.ModelMetadata.CustomMetadataMap["tinygpt.block_size"]);

        using var cached = new InferenceSession(trained.Files.CachedModel!);
        Assert.Equal(["idx", "past_key_values.0.key", "past_key_values.0.value", "past_key_values.1.key", "past_key_values.1.value"], cached.InputNames);
        Assert.Equal(["logits", "present.0.key", "present.0.value", "present.1.key", "present.1.value"], cached.OutputNames);
        Assert.Equal([-1, 4, -1, 8], cached.InputMetadata["past_key_values.1.value"].Dimensions);
    }

    [Fact]
    public void A_grouped_query_models_cache_has_KvHeads_heads()
    {
        var trained = OnnxModels.Get("modern");
        using var cached = new InferenceSession(trained.Files.CachedModel!);

        for (var i = 0; i < ModernGpt.Layers; i++)
        {
            Assert.Equal([-1, ModernGpt.KvHeads, -1, ModernGpt.HeadSize], cached.InputMetadata[$"past_key_values.{i}.key"].Dimensions);
            Assert.Equal([-1, ModernGpt.KvHeads, -1, ModernGpt.HeadSize], cached.OutputMetadata[$"present.{i}.value"].Dimensions);
        }
        Assert.Equal(["batch", "", "past_T", ""], cached.InputMetadata["past_key_values.0.value"].SymbolicDimensions);
    }

    [Fact]
    public void A_model_computing_in_bfloat16_at_run_time_is_refused()
    {
        using var model = new SmallGpt(seed: 1) { ComputePrecision = Precision.BFloat16 };
        using var temp = new TempFolder();

        var error = Assert.Throws<NotSupportedException>(() => OnnxExport.Write(model, "ab", temp["bf16.onnx"]));

        Assert.Contains("ComputePrecision = BFloat16", error.Message);
        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void A_bfloat16_declared_model_computing_in_float32_exports_its_float32_logits()
    {
        using var model = new Bf16Gpt(seed: 1) { ComputePrecision = Precision.Float32 };
        using var temp = new TempFolder();

        var files = OnnxExport.Write(model, "abcdefgh", temp["bf16.onnx"]);

        var tokens = Tokens(2 * Bf16Gpt.BlockSize, seed: 3);
        using var session = new InferenceSession(files.Model);
        using var idx = OrtValue.CreateTensorValueFromMemory(tokens, [2, Bf16Gpt.BlockSize]);
        using var run = new RunOptions();
        using var outputs = session.Run(run, ["idx"], [idx], ["logits"]);
        AssertClose(TinyGptLogits(model, tokens, 2, Bf16Gpt.BlockSize), outputs[0].GetTensorDataAsSpan<float>().ToArray(), "Bf16Gpt in float32");
    }

    [Fact]
    public void A_bfloat16_model_is_refused_with_the_reason()
    {
        using var model = new Bf16Gpt(seed: 1);
        using var temp = new TempFolder();

        var error = Assert.Throws<NotSupportedException>(() => OnnxExport.Write(model, "ab", temp["bf16.onnx"]));

        Assert.Contains("Precision = BFloat16", error.Message);
        Assert.Contains("Precision.Float32", error.Message);
        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void An_option_value_the_enums_do_not_define_is_refused_by_name()
    {
        using var model = new Misdeclared(SmallGpt.Hyperparameters with { Activation = (Activation)7 });

        var error = Assert.Throws<NotSupportedException>(() => OnnxExport.EnsureExportable(model));

        Assert.Contains("Activation = 7", error.Message);
        Assert.Contains("Gelu, Relu, ReluSquared, SwiGlu", error.Message);
    }

    /// <summary>A hand-written model that reports <paramref name="config"/>, as a buggy or foreign subclass could.</summary>
    sealed class Misdeclared(GptConfig config) : LanguageModel("Misdeclared")
    {
        public override GptConfig Config => config;

        public override torch.Tensor forward(torch.Tensor idx) => throw new NotSupportedException("never run");
    }

    [Fact]
    public void A_path_that_is_not_onnx_is_refused()
    {
        using var model = new SmallGpt(seed: 1);
        using var temp = new TempFolder();
        var error = Assert.Throws<ArgumentException>(() => OnnxExport.Write(model, "ab", temp["model.bin"]));
        Assert.Contains(".onnx", error.Message);
    }

    public static TheoryData<string> GptNames => new(OnnxModels.All.Keys.Where(k => k != "bigram"));

    internal static float[] TinyGptLogits(LanguageModel model, long[] tokens, int batch, int time)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        return model.forward(tensor(tokens, [batch, time])).contiguous().data<float>().ToArray();
    }

    static long[] Tokens(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (long)random.Next(65)).ToArray();
    }

    static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= Tolerance, $"{what}: max |ONNX − TinyGpt| = {worst:G3} > {Tolerance}");
    }
}

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tinygpt-onnx-" + Guid.NewGuid().ToString("N")[..12]);

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TinyGpt.Interop;

namespace TinyGpt.Onnx;

/// <summary>
/// Next-token logits for a growing sequence, with the KV-cache graph when there is one, as TinyGpt's
/// <c>CachedDecoder</c> does: while the sequence fits in BlockSize only the new tokens are fed; once it is longer,
/// the window starts one token later on every call, every position shifts, and the cache is refilled from the
/// whole window (nanoGPT's crop). Without a cache graph, or with <c>useCache</c> false, the plain graph
/// recomputes the window.
/// </summary>
internal sealed class OnnxDecoder : IDisposable
{
    private readonly OnnxGpt _model;
    private readonly InferenceSession? _cached;
    private readonly List<long> _fed = [];
    private readonly string[] _inputNames, _outputNames;
    private readonly RunOptions _run = new();
    private OrtValue[] _past;                                           // keys and values of every block, in input order

    public OnnxDecoder(OnnxGpt model, bool useCache)
    {
        _model = model;
        _cached = useCache ? model.Cached : null;
        var layers = Enumerable.Range(0, model.Layers);
        _inputNames = [OnnxNames.Input, .. layers.SelectMany(i => new[] { OnnxNames.PastKey(i), OnnxNames.PastValue(i) })];
        _outputNames = [OnnxNames.Logits, .. layers.SelectMany(i => new[] { OnnxNames.PresentKey(i), OnnxNames.PresentValue(i) })];
        _past = [];
    }

    /// <summary>How many times the cache was filled from a whole window.</summary>
    public int Refills { get; private set; }

    /// <summary>Float32 logits <c>[VocabSize]</c> of the token after <paramref name="tokens"/>, reading at most the last BlockSize.</summary>
    public float[] NextTokenLogits(IReadOnlyList<long> tokens)
    {
        if (tokens.Count == 0)
            throw new ArgumentException("There must be at least one token of context.", nameof(tokens));
        if (_cached is null)
            return _model.NextTokenLogits(tokens);

        long[] feed;
        if (tokens.Count <= _model.BlockSize && ContextWindow.Extends(tokens, _fed))
            feed = ContextWindow.From(tokens, _fed.Count);                  // usually one token
        else
        {
            feed = ContextWindow.Last(tokens, _model.BlockSize);
            Reset();
            Refills++;
        }

        long past = _fed.Count, total = past + feed.Length;
        using var idx = OrtValue.CreateTensorValueFromMemory(feed, [1, feed.Length]);
        var logits = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [1, feed.Length, _model.VocabSize]);
        var present = new OrtValue[_past.Length];
        for (var i = 0; i < present.Length; i++)
            present[i] = Empty(total);
        try
        {
            _cached.Run(_run, _inputNames, [idx, .. _past], _outputNames, [logits, .. present]);
            var values = logits.GetTensorDataAsSpan<float>()[^_model.VocabSize..].ToArray();
            (_past, present) = (present, _past);                         // this call's presents are the next call's past
            _fed.AddRange(feed);
            return values;
        }
        finally
        {
            logits.Dispose();
            foreach (var value in present)
                value.Dispose();
        }
    }

    /// <summary>Forgets every position: the past becomes empty, <c>[1, KvHeads, 0, HeadSize]</c>.</summary>
    private void Reset()
    {
        foreach (var value in _past)
            value.Dispose();
        _past = new OrtValue[2 * _model.Layers];
        for (var i = 0; i < _past.Length; i++)
            _past[i] = Empty(0);
        _fed.Clear();
    }

    private OrtValue Empty(long positions) => OrtValue.CreateAllocatedTensorValue(
        OrtAllocator.DefaultInstance, TensorElementType.Float, [1, _model.KvHeads, positions, _model.HeadSize]);

    public void Dispose()
    {
        foreach (var value in _past)
            value.Dispose();
        _run.Dispose();
    }
}

using static TorchSharp.torch;

namespace TinyGpt.Interop;

/// <summary>
/// Moves state dicts between TinyGpt's names (nanoGPT's, with one fused <c>attn.c_attn</c> whose rows are the q heads,
/// then the k heads, then the v heads) and those of the lecture's <c>gpt.py</c> and nanochat's <c>gpt.py</c>.
/// </summary>
public static class UpstreamLayouts
{
    private const string LectureEmbedding = "token_embedding_table.weight";

    /// <summary>Which codebase's names <paramref name="keys"/> are: the lecture's, nanochat's, or else nanoGPT's.</summary>
    public static StateDictLayout Detect(IEnumerable<string> keys)
    {
        var list = keys.ToList();
        if (list.Contains(LectureEmbedding))
            return StateDictLayout.Lecture;
        return list.Any(k => k.EndsWith(".attn.c_q.weight", StringComparison.Ordinal)) ? StateDictLayout.Nanochat : StateDictLayout.NanoGpt;
    }

    /// <summary>
    /// <paramref name="state"/> under TinyGpt's names. The lecture's per-head key/query/value matrices are stacked into
    /// <c>c_attn</c> (its <c>tril</c> buffers dropped), nanochat's <c>c_q</c>, <c>c_k</c>, <c>c_v</c> likewise; other
    /// names pass through, and what does not fit is left for the caller's name and shape check to report.
    /// </summary>
    public static Dictionary<string, Tensor> ToTinyGpt(IReadOnlyDictionary<string, Tensor> state, StateDictLayout layout) => layout switch
    {
        StateDictLayout.Lecture => FromLecture(state),
        StateDictLayout.Nanochat => FromNanochat(state),
        _ => state.ToDictionary(kv => kv.Key, kv => kv.Value),
    };

    /// <summary><paramref name="state"/> (TinyGpt's names) under <paramref name="layout"/>'s names, for a model of <paramref name="config"/>.</summary>
    /// <exception cref="ArgumentException">The model is not that codebase's architecture (the message lists what differs).</exception>
    public static List<KeyValuePair<string, Tensor>> FromTinyGpt(
        IEnumerable<KeyValuePair<string, Tensor>> state, GptConfig config, StateDictLayout layout)
    {
        var differences = Differences(config, layout);
        if (differences.Count > 0)
            throw new ArgumentException(
                $"the model is not {Name(layout)}'s architecture, so {Name(layout)} could not load it: {string.Join("; ", differences)}", nameof(layout));
        return layout switch
        {
            StateDictLayout.Lecture => ToLecture(state.ToDictionary(kv => kv.Key, kv => kv.Value), config),
            StateDictLayout.Nanochat => ToNanochat(state, config),
            _ => state.ToList(),
        };
    }

    /// <summary>A layout's name in messages: nanoGPT, the lecture's gpt.py, nanochat.</summary>
    public static string Name(StateDictLayout layout) => layout switch
    {
        StateDictLayout.Lecture => "the lecture's gpt.py",
        StateDictLayout.Nanochat => "nanochat",
        _ => "nanoGPT",
    };

    /// <summary>What keeps a model of <paramref name="config"/> from being <paramref name="layout"/>'s architecture.</summary>
    public static List<string> Differences(GptConfig config, StateDictLayout layout)
    {
        var found = new List<string>();
        void Want<T>(string name, T actual, T expected)
        {
            if (!EqualityComparer<T>.Default.Equals(actual, expected))
                found.Add($"{name} is {actual}, {Name(layout)} has {expected}");
        }
        if (config.IsBigram)
        {
            found.Add("the bigram baseline has no transformer");
            return found;
        }
        // nanoGPT's names are TinyGpt's own: they hold every option (the sidecar's options say which), so only the two
        // codebases whose code fixes the architecture, including a hidden width of 4·n_embd, refuse a model.
        switch (layout)
        {
            case StateDictLayout.Lecture:
                Want("MlpHidden", config.MlpHidden, 4 * config.Embd);
                Want("Activation", config.Activation, Activation.Relu);
                Want("Norm", config.Norm, Norm.LayerNorm);
                Want("NormWeights", config.NormWeights, true);
                Want("Positions", config.Positions, Positions.Learned);
                Want("KvHeads", config.KvHeads, config.Heads);
                Want("QkNorm", config.QkNorm, false);
                Want("EmbeddingNorm", config.EmbeddingNorm, false);
                Want("LogitSoftcap", config.LogitSoftcap, 0.0);
                Want("Bias", config.Bias, true);
                Want("QkvBias", config.QkvBias, false);
                Want("LmHeadBias", config.LmHeadBias, true);
                Want("TieWeights", config.TieWeights, false);
                break;
            case StateDictLayout.Nanochat:
                Want("MlpHidden", config.MlpHidden, 4 * config.Embd);
                Want("Activation", config.Activation, Activation.ReluSquared);
                Want("Norm", config.Norm, Norm.RmsNorm);
                Want("NormWeights", config.NormWeights, false);
                Want("Positions", config.Positions, Positions.Rotary);
                Want("RopeBase", config.RopeBase, 10000.0);
                Want("QkNorm", config.QkNorm, true);
                Want("EmbeddingNorm", config.EmbeddingNorm, true);
                Want("LogitSoftcap", config.LogitSoftcap, 15.0);
                Want("Bias", config.Bias, false);
                Want("QkvBias", config.QkvBias, false);
                Want("LmHeadBias", config.LmHeadBias, false);
                Want("TieWeights", config.TieWeights, false);
                break;
        }
        return found;
    }

    private static readonly string[] Projections = ["query", "key", "value"];

    private static Dictionary<string, Tensor> FromLecture(IReadOnlyDictionary<string, Tensor> state)
    {
        var renames = new Dictionary<string, string>
        {
            [LectureEmbedding] = NanoGptLayout.TokenEmbedding,
            ["position_embedding_table.weight"] = "transformer.wpe.weight",
            ["ln_f.weight"] = "transformer.ln_f.weight",
            ["ln_f.bias"] = "transformer.ln_f.bias",
        };
        var parts = new Dictionary<string, string>
        {
            ["ln1"] = "ln_1", ["ln2"] = "ln_2", ["sa.proj"] = "attn.c_proj", ["ffwd.net.0"] = "mlp.c_fc", ["ffwd.net.2"] = "mlp.c_proj",
        };
        var result = new Dictionary<string, Tensor>();
        var heads = new SortedDictionary<int, SortedDictionary<(int Part, int Head), Tensor>>();
        foreach (var (key, tensor) in state)
        {
            if (renames.TryGetValue(key, out var renamed))
            {
                result[renamed] = tensor;
                continue;
            }
            var fields = key.Split('.');
            if (fields.Length >= 3 && fields[0] == "blocks" && int.TryParse(fields[1], out var layer))
            {
                var rest = string.Join(".", fields.Skip(2));
                // blocks.{i}.sa.heads.{h}.{query,key,value}.weight → one row block of c_attn; tril is a mask buffer.
                if (fields.Length == 7 && fields[2] == "sa" && fields[3] == "heads" && int.TryParse(fields[4], out var head)
                    && Array.IndexOf(Projections, fields[5]) is var part and >= 0 && fields[6] == "weight")
                {
                    if (!heads.TryGetValue(layer, out var byHead)) heads[layer] = byHead = new();
                    byHead[(part, head)] = tensor;
                    continue;
                }
                if (fields.Length == 6 && fields[2] == "sa" && fields[3] == "heads" && fields[5] == "tril")
                    continue;
                var suffix = fields[^1];
                var module = string.Join(".", fields.Skip(2).Take(fields.Length - 3));
                if (parts.TryGetValue(module, out var ours))
                {
                    result[$"transformer.h.{layer}.{ours}.{suffix}"] = tensor;
                    continue;
                }
                result[key] = tensor;
                continue;
            }
            result[key] = tensor;                                                          // lm_head.*, or unexpected
        }
        foreach (var (layer, byHead) in heads)
            result[$"transformer.h.{layer}.attn.c_attn.weight"] = cat(byHead.Values.ToArray(), 0);   // q heads, k heads, v heads
        return result;
    }

    private static List<KeyValuePair<string, Tensor>> ToLecture(Dictionary<string, Tensor> state, GptConfig config)
    {
        var result = new List<KeyValuePair<string, Tensor>>();
        void Add(string key, Tensor tensor) => result.Add(new(key, tensor));
        Add(LectureEmbedding, state[NanoGptLayout.TokenEmbedding]);
        Add("position_embedding_table.weight", state["transformer.wpe.weight"]);
        var hs = config.HeadSize;
        for (var i = 0; i < config.Layers; i++)
        {
            var h = $"transformer.h.{i}.";
            var qkv = state[h + "attn.c_attn.weight"];                                     // [3·C, C]
            for (var head = 0; head < config.Heads; head++)
            {
                for (var part = 0; part < Projections.Length; part++)
                    Add($"blocks.{i}.sa.heads.{head}.{Projections[part]}.weight", qkv.narrow(0, (part * config.Heads + head) * hs, hs).clone());
                Add($"blocks.{i}.sa.heads.{head}.tril", ones(config.BlockSize, config.BlockSize).tril());   // the lecture's persistent buffer
            }
            foreach (var (ours, theirs) in new[] { ("attn.c_proj", "sa.proj"), ("ln_1", "ln1"), ("ln_2", "ln2"), ("mlp.c_fc", "ffwd.net.0"), ("mlp.c_proj", "ffwd.net.2") })
            {
                Add($"blocks.{i}.{theirs}.weight", state[h + ours + ".weight"]);
                Add($"blocks.{i}.{theirs}.bias", state[h + ours + ".bias"]);
            }
        }
        Add("ln_f.weight", state["transformer.ln_f.weight"]);
        Add("ln_f.bias", state["transformer.ln_f.bias"]);
        Add(NanoGptLayout.LmHead, state[NanoGptLayout.LmHead]);
        Add("lm_head.bias", state["lm_head.bias"]);
        return result;
    }

    private static Dictionary<string, Tensor> FromNanochat(IReadOnlyDictionary<string, Tensor> state)
    {
        var result = new Dictionary<string, Tensor>();
        foreach (var (key, tensor) in state)
        {
            if (key.EndsWith(".attn.c_q.weight", StringComparison.Ordinal))
            {
                var prefix = key[..^"c_q.weight".Length];
                if (state.TryGetValue(prefix + "c_k.weight", out var k) && state.TryGetValue(prefix + "c_v.weight", out var v))
                {
                    result[prefix + "c_attn.weight"] = cat([tensor, k, v], 0);            // q heads, k heads, v heads
                    continue;
                }
            }
            else if ((key.EndsWith(".attn.c_k.weight", StringComparison.Ordinal) || key.EndsWith(".attn.c_v.weight", StringComparison.Ordinal))
                     && state.ContainsKey(key[..^"c_k.weight".Length] + "c_q.weight"))
                continue;
            result[key] = tensor;
        }
        return result;
    }

    private static List<KeyValuePair<string, Tensor>> ToNanochat(IEnumerable<KeyValuePair<string, Tensor>> state, GptConfig config)
    {
        long q = (long)config.Heads * config.HeadSize, kv = (long)config.KvHeads * config.HeadSize;
        var result = new List<KeyValuePair<string, Tensor>>();
        foreach (var (key, tensor) in state)
        {
            if (!key.EndsWith(".attn.c_attn.weight", StringComparison.Ordinal))
            {
                result.Add(new(key, tensor));
                continue;
            }
            var prefix = key[..^"c_attn.weight".Length];
            // Copies, not views: each name gets storage of its own, as nanochat's separate Linears have.
            result.Add(new(prefix + "c_q.weight", tensor.narrow(0, 0, q).clone()));
            result.Add(new(prefix + "c_k.weight", tensor.narrow(0, q, kv).clone()));
            result.Add(new(prefix + "c_v.weight", tensor.narrow(0, q + kv, kv).clone()));
        }
        return result;
    }
}

namespace TinyGpt.Interop;

/// <summary>What every export checks before writing anything: the vocabulary, and that the state dict is nanoGPT's layout.</summary>
internal static class ExportChecks
{
    /// <summary>
    /// The model's state dict, after checking <paramref name="vocabulary"/> against it and its names and shapes
    /// against <see cref="NanoGptLayout"/> (or, for the bigram baseline, its one table).
    /// </summary>
    /// <exception cref="ArgumentException">The vocabulary is longer than the model's or repeats a character.</exception>
    /// <exception cref="InvalidOperationException">The state dict is not the expected layout (a generator bug; the message lists the differences).</exception>
    public static Dictionary<string, TorchSharp.torch.Tensor> StateDict(LanguageModel model, string vocabulary)
    {
        var config = model.Config;
        if (vocabulary.Length > config.VocabSize)
            throw new ArgumentException($"the vocabulary has {vocabulary.Length} characters but {model.GetName()} has VocabSize {config.VocabSize}", nameof(vocabulary));
        if (vocabulary.Distinct().Count() != vocabulary.Length)
            throw new ArgumentException("the vocabulary repeats a character; token ids would be ambiguous", nameof(vocabulary));

        var state = model.state_dict();
        IReadOnlyList<(string, long[])> layout = config.IsBigram
            ? [("token_embedding_table.weight", [config.VocabSize, config.VocabSize])]
            : NanoGptLayout.For(config);
        var mismatches = StateDictCheck.Compare(layout, state.Select(kv => (kv.Key, kv.Value.shape)));
        if (mismatches.Count > 0)
            throw new InvalidOperationException(
                $"{model.GetName()}'s state dict is not {(config.IsBigram ? "the bigram baseline's" : "nanoGPT's")} layout:{Environment.NewLine}  " +
                string.Join(Environment.NewLine + "  ", mismatches));
        return state;
    }
}

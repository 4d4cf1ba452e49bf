using System.Text;

namespace TinyGpt;

/// <summary>
/// A corpus at a glance: its length in characters, the sorted alphabet and its size, the first
/// characters, and the token counts of the train and validation splits.
/// </summary>
public sealed record CorpusSummary(
    string Source,
    long Characters,
    string Alphabet,
    int VocabSize,
    string Preview,
    long TrainTokens,
    long ValTokens);

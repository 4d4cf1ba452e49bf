namespace TinyGpt;

/// <summary>
/// The attention weights of one text: <see cref="Weights"/><c>[layer][head][query, key]</c>, how much the
/// token at position <c>query</c> of <see cref="Tokens"/> attends to the one at <c>key</c> (each row sums to 1,
/// and a position never looks ahead).
/// </summary>
/// <param name="Tokens">The tokens the model read, decoded, one position each (at most BlockSize).</param>
/// <param name="Weights">Per layer, per head, a <c>[T, T]</c> matrix of weights.</param>
public sealed record AttentionMap(IReadOnlyList<string> Tokens, float[][][,] Weights)
{
    /// <summary>Number of transformer blocks.</summary>
    public int Layers => Weights.Length;

    /// <summary>Attention heads per block.</summary>
    public int Heads => Weights.Length == 0 ? 0 : Weights[0].Length;
}

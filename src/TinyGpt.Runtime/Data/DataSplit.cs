namespace TinyGpt;

/// <summary>The token stream cut in two: the first part trains, the rest validates (nanoGPT's 90/10).</summary>
public sealed class DataSplit
{
    /// <summary>Splits <paramref name="tokens"/> at <c>floor(n * trainFraction)</c>.</summary>
    public DataSplit(long[] tokens, double trainFraction = 0.9)
    {
        if (trainFraction is <= 0 or >= 1 || double.IsNaN(trainFraction))
            throw new ArgumentOutOfRangeException(nameof(trainFraction), trainFraction, "The train fraction must lie strictly between 0 and 1.");
        var cut = (int)(tokens.LongLength * trainFraction);
        Train = tokens[..cut];
        Val = tokens[cut..];
    }

    /// <summary>Tokens that the model trains on.</summary>
    public long[] Train { get; }

    /// <summary>Held-out tokens for the validation loss.</summary>
    public long[] Val { get; }

    /// <summary>
    /// Refuses a corpus too short for one window of <paramref name="blockSize"/> + 1 tokens in
    /// each split, saying how long it must be.
    /// </summary>
    public void EnsureFits(int blockSize)
    {
        var need = blockSize + 1;
        if (Train.Length < need || Val.Length < need)
            throw new TinyGptException(
                $"The corpus is too short for BlockSize {blockSize}: training needs at least {need} tokens in the train split and in the " +
                $"validation split (the last 10 %), but they have {Train.Length} and {Val.Length}. " +
                $"Use a text of at least {(long)Math.Ceiling(need / 0.1) + 1} characters or a model with a smaller BlockSize.");
    }
}

// Step 9 — attention maps: where each head looks. Run from the repository root, after step 8:
//   dotnet run walkthrough/09-attention-maps.cs [-- "your prompt"]
//
// Step 6 printed one untrained head's weights as numbers. A trained GPT has Layers × Heads of them, and they are
// easier to see than to read: one heat map per head, queries down the side, keys along the bottom, bright where
// the query attends. This step loads the model step 8 trained and draws every layer × head for a prompt.
#:project ../src/TinyGpt.Runtime
using TinyGpt;

var runDirectory = Path.Combine("runs", "walkthrough", "08-gpt");
if (!Checkpoint.Exists(runDirectory))
{
    Console.Error.WriteLine($"No trained model in {runDirectory}: run step 8 first (dotnet run walkthrough/08-gpt.cs).");
    return 1;
}
var checkpoint = Checkpoint.Open(runDirectory);
using var model = new WalkthroughGpt();
checkpoint.LoadWeights(model);
Console.WriteLine($"loaded step 8's model at step {checkpoint.Metadata.Step} (val loss {checkpoint.Metadata.ValLoss:F4})");

// The prompt: a speaker's line as the plays write it, 31 characters, within the model's BlockSize of 32 (a longer
// prompt is shown by its last 32, what the model reads when it continues it).
var prompt = args.Length > 0 ? args[0] : "ROMEO:\nI will not see thee now.";
var map = AttentionMaps.Compute(model, checkpoint.Tokenizer, prompt);
Console.WriteLine($"prompt: \"{prompt.Replace("\n", "\\n")}\" ({map.Tokens.Count} tokens), {map.Layers} layers × {map.Heads} heads");

// The same numbers step 6 printed, now from a trained head: the last query's weights in every head of the
// last layer, i.e. what the model reads when it predicts the character after the prompt.
var last = map.Tokens.Count - 1;
for (var h = 0; h < map.Heads; h++)
{
    var weights = map.Weights[^1][h];
    var top = Enumerable.Range(0, last + 1).OrderByDescending(k => weights[last, k]).Take(3)
        .Select(k => $"'{AttentionHeatMap.Label(map.Tokens[k])}'@{k} {weights[last, k]:F2}");
    Console.WriteLine($"layer {map.Layers - 1}, head {h}: the last token attends most to {string.Join(", ", top)}");
}

var outFolder = Path.Combine("runs", "walkthrough", "09-attention-maps");
Directory.CreateDirectory(outFolder);
var grid = AttentionHeatMap.Save(map, Path.Combine(outFolder, "attention.png"));
Console.WriteLine($"every layer × head: {grid}");
for (var l = 0; l < map.Layers; l++)
    Console.WriteLine($"layer {l}: {AttentionHeatMap.Save(map, Path.Combine(outFolder, $"layer{l}.png"), layer: l)}");

// What to look for:
// - Everything above the diagonal is dark: the causal mask, no query sees a later key.
// - The first row is one bright cell: the first token can only attend to itself.
// - Heads differ. Some spread evenly over the past (step 5's average, learned); some look at the previous
//   character or two (a bigram or trigram head); some jump back to the last space or newline, i.e. to where
//   the current word or line began, which is how the model knows where in a word it is.
// - Early layers tend to look at positions near by; later ones build on what those gathered and can look
//   further back. A model trained for a few hundred steps shows this only roughly; train longer (or load the
//   CLI's baby model) to see sharper heads.
return 0;

// Step 8's declaration, so the checkpoint's weights fit.
[Gpt(Layers = 4, Heads = 4, Embd = 64, BlockSize = 32)]
public partial class WalkthroughGpt;

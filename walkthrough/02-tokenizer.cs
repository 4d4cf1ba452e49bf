// Step 2 — the tokenizer. Run from the repository root: dotnet run walkthrough/02-tokenizer.cs
//
// A network computes on numbers, not characters, so text has to become a sequence of integers: tokenizing.
// Real GPTs use sub-word tokenizers (GPT-2's byte-pair encoding has 50,257 tokens); the lecture keeps the
// simplest one there is, one token per character. The vocabulary stays tiny (65) at the price of long
// sequences: "hii there" is nine tokens here and three in GPT-2.
#:project ../src/TinyGpt.Runtime
using TinyGpt;
using static TorchSharp.torch;

var stepFolder = (string)AppContext.GetData("EntryPointFileDirectoryPath")!;
var text = File.ReadAllText(Path.Combine(stepFolder, "..", "src", "TinyGpt.Runtime", "Data", "tinyshakespeare.txt"));

// The vocabulary from step 1, and two lookup tables: character → integer (stoi) and back (itos).
var chars = text.Distinct().Order().ToArray();
var stoi = chars.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => (long)p.i);
var itos = chars;
long[] Encode(string s) => [.. s.Select(c => stoi[c])];
string Decode(IEnumerable<long> tokens) => new([.. tokens.Select(t => itos[t])]);

var hello = Encode("hii there");
Console.WriteLine($"encode(\"hii there\") = [{string.Join(", ", hello)}]");
Console.WriteLine($"decode(encode(\"hii there\")) = \"{Decode(hello)}\"");
Console.WriteLine();

// The whole text as one long tensor of token ids: int64, because embedding tables are indexed by int64.
using var data = tensor(Encode(text));
Console.WriteLine($"data: {data.dtype} [{string.Join(", ", data.shape)}]");
Console.WriteLine($"the first 100 tokens: [{string.Join(", ", data[..100].data<long>().ToArray())}]");
Console.WriteLine();

// Hold back the last 10 % as validation data. The model never trains on it, so its loss there tells us whether
// it learned Shakespeare or just memorized these particular lines (overfitting). The split is by position, not
// at random: neighbouring characters are so alike that a random split would leak the validation set.
var n = (int)(0.9 * data.shape[0]);
using var trainData = data[..n];
using var valData = data[n..];
Console.WriteLine($"train: {trainData.shape[0]:N0} tokens, val: {valData.shape[0]:N0} tokens");
Console.WriteLine();

// From here on the runtime does this for us. TinyGpt's CharTokenizer builds the same sorted vocabulary, and its
// Corpus holds the same tokens and the same 90/10 split (it loads the embedded copy of this file).
var corpus = Corpus.Load();
var same = corpus.Tokenizer.Vocabulary == new string(chars)
    && corpus.Tokens.SequenceEqual(data.data<long>().ToArray())
    && corpus.Split.Train.Length == n;
Console.WriteLine($"TinyGpt's Corpus and CharTokenizer give the same tokens and split: {same}");

// Step 1 — the data. Run from the repository root: dotnet run walkthrough/01-data.cs
//
// Everything starts with a text file. The lecture downloads Tiny Shakespeare (about 40,000 lines of the plays,
// concatenated) as input.txt; TinyGpt keeps the same file in the repository, and its runtime embeds it, so
// every step works offline. Before modelling anything we look at the data: how long is it, what does it look
// like, and which characters occur in it? A character-level model predicts one of those characters at a time,
// so the set of characters is its whole world.

// The step's own folder is known to a file-based app, so the path holds wherever you run it from.
var stepFolder = (string)AppContext.GetData("EntryPointFileDirectoryPath")!;
var path = Path.GetFullPath(Path.Combine(stepFolder, "..", "src", "TinyGpt.Runtime", "Data", "tinyshakespeare.txt"));
var text = File.ReadAllText(path);

// A little over a million characters: small enough to read into one string, large enough to learn from.
Console.WriteLine($"length of dataset in characters: {text.Length:N0}");
Console.WriteLine();

// The first 500 characters: a speaker's name on its own line ending in a colon, then the speech.
// A model that learns only this layout has already learned something.
Console.WriteLine("the first 500 characters:");
Console.WriteLine(text[..500]);
Console.WriteLine();

// Every distinct character, sorted by code point (Python's sorted(set(text)) orders them the same way):
// the newline, the space, punctuation, one digit (3), upper case, lower case. These are the model's vocabulary.
var chars = text.Distinct().Order().ToArray();
var alphabet = new string(chars);
Console.WriteLine($"alphabet: {alphabet.Replace("\n", "\\n")}");
Console.WriteLine($"vocabulary size: {chars.Length}");

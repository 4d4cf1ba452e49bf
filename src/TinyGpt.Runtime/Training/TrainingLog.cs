using System.Globalization;

namespace TinyGpt;

/// <summary><c>log.csv</c>: one row per evaluation, flushed as it is written; a resume keeps the rows up to its step.</summary>
public sealed class TrainingLog
{
    /// <summary>The header, exactly.</summary>
    public const string Header = "step,train_loss,val_loss,lr,tokens_per_s,elapsed_s";

    /// <summary>File name inside the run directory.</summary>
    public const string FileName = "log.csv";

    private readonly List<EvaluationRecord> _records = [];

    private TrainingLog(string path) => Path = path;

    /// <summary>Where the log lives.</summary>
    public string Path { get; }

    /// <summary>The rows so far.</summary>
    public IReadOnlyList<EvaluationRecord> Records => _records;

    /// <summary>Starts an empty log (replacing any old one).</summary>
    public static TrainingLog Create(string runDirectory)
    {
        var log = new TrainingLog(System.IO.Path.Combine(runDirectory, FileName));
        log.Rewrite();
        return log;
    }

    /// <summary>Reopens a log for a resumed run, dropping rows written after <paramref name="step"/>.</summary>
    public static TrainingLog Resume(string runDirectory, int step)
    {
        var log = new TrainingLog(System.IO.Path.Combine(runDirectory, FileName));
        log._records.AddRange(Read(log.Path).Where(r => r.Step <= step));
        log.Rewrite();
        return log;
    }

    /// <summary>The rows of a log file (an absent file has none).</summary>
    public static IReadOnlyList<EvaluationRecord> Read(string path)
    {
        if (!File.Exists(path)) return [];
        var rows = new List<EvaluationRecord>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var f = line.Split(',');
            if (f.Length != 6) continue;   // a line cut short by a crash
            try
            {
                rows.Add(new EvaluationRecord(
                    int.Parse(f[0], CultureInfo.InvariantCulture), Parse(f[1]), Parse(f[2]), Parse(f[3]), Parse(f[4]), Parse(f[5])));
            }
            catch (FormatException) { }
        }
        return rows;
    }

    /// <summary>Appends a row and flushes it.</summary>
    public void Append(EvaluationRecord record)
    {
        _records.Add(record);
        File.AppendAllText(Path, Format(record) + "\n");
    }

    /// <summary>Writes the whole log to a temporary file and renames it over the old one, so a crash keeps one or the other.</summary>
    private void Rewrite()
    {
        var temporary = Path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        File.WriteAllText(temporary, string.Concat(_records.Select(r => Format(r) + "\n").Prepend(Header + "\n")));
        File.Move(temporary, Path, overwrite: true);
    }

    private static string Format(EvaluationRecord r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Step},{r.TrainLoss:R},{r.ValLoss:R},{r.LearningRate:R},{r.TokensPerSecond:F1},{r.ElapsedSeconds:F3}");

    private static double Parse(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
}

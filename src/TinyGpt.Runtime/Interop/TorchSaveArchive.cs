using System.IO.Compression;

namespace TinyGpt.Interop;

/// <summary>
/// Checks a <c>torch.save</c> zip before PyBridge reads it: a complete archive with unique entry
/// names, no entry declaring more bytes than the whole file holds (<c>torch.save</c> stores entries
/// uncompressed, so a larger one is a zip bomb), exactly one <c>data.pkl</c>, and a pickle that
/// <see cref="StateDictPickle"/> accepts, whose every storage is an entry of exactly its size.
/// </summary>
static class TorchSaveArchive
{
    const string PickleName = "data.pkl";

    /// <summary>Checks <paramref name="path"/>; throws at the first entry that breaks a rule.</summary>
    /// <exception cref="WeightFileException">That entry and rule.</exception>
    public static void Validate(string path)
    {
        var fileLength = new FileInfo(path).Length;
        using var stream = File.OpenRead(path);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new WeightFileException(path, "zip directory",
                "is missing or damaged, so this is not a complete torch.save archive (the file may be truncated)", e);
        }
        using (zip)
        {
            var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
            foreach (var entry in zip.Entries)
            {
                var where = "zip entry " + WeightFileException.Quote(entry.FullName);
                if (!entries.TryAdd(entry.FullName, entry))
                    throw new WeightFileException(path, where, "appears twice in the archive");
                if (entry.Length > fileLength)
                    throw new WeightFileException(path, where,
                        $"declares {entry.Length} bytes unpacked, more than the whole file ({fileLength} bytes); torch.save stores entries unpacked");
            }
            var pickles = entries.Values.Where(e => e.FullName == PickleName || e.FullName.EndsWith("/" + PickleName, StringComparison.Ordinal)).ToList();
            if (pickles.Count != 1)
                throw new WeightFileException(path, PickleName,
                    pickles.Count == 0 ? "is missing: a torch.save archive holds one" : $"appears {pickles.Count} times; a torch.save archive holds one");
            var pickle = pickles[0];
            var prefix = pickle.FullName[..^PickleName.Length];
            var bytes = Read(path, pickle);
            StateDictPickle.Validate(path, pickle.FullName, bytes, key => entries.GetValueOrDefault($"{prefix}data/{key}")?.Length);
        }
    }

    // Reads one entry, but never more than it declares: a lying size cannot make it grow.
    static byte[] Read(string path, ZipArchiveEntry entry)
    {
        var where = "zip entry " + WeightFileException.Quote(entry.FullName);
        try
        {
            using var data = entry.Open();
            var bytes = new byte[entry.Length];
            var read = data.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            if (read < bytes.Length)
                throw new WeightFileException(path, where, $"holds {read} bytes but declares {entry.Length} (the file may be truncated)");
            if (data.ReadByte() >= 0)
                throw new WeightFileException(path, where, $"unpacks to more than the {entry.Length} bytes it declares");
            return bytes;
        }
        catch (Exception e) when (e is InvalidDataException or IOException and not FileNotFoundException)
        {
            throw new WeightFileException(path, where, "cannot be unpacked: its data is damaged (the file may be truncated)", e);
        }
    }
}

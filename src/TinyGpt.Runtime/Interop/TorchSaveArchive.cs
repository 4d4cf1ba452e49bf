using System.IO.Compression;

namespace TinyGpt.Interop;

/// <summary>
/// Checks a <c>torch.save</c> zip before PyBridge reads it: a complete archive with unique entry
/// names, no entry that unpacks like a zip bomb (<c>torch.save</c> stores entries unpacked, other
/// writers deflate them, and weights then shrink by a few percent, not by hundreds of times),
/// exactly one <c>data.pkl</c>, and a pickle that
/// <see cref="StateDictPickle"/> accepts, whose every storage is an entry of exactly its size.
/// </summary>
static class TorchSaveArchive
{
    const string PickleName = "data.pkl";

    /// <summary>An entry may unpack to at most this many times its packed size, once it is larger than <see cref="BombFloor"/>.</summary>
    const long MaxRatio = 100;

    /// <summary>Small entries may compress well (a zero bias); only large ones are held to <see cref="MaxRatio"/>.</summary>
    const long BombFloor = 1 << 20;

    /// <summary>A state dict's pickle lists names and shapes; the numbers live in other entries.</summary>
    const long MaxPickleBytes = 256 << 20;

    /// <summary>Checks <paramref name="path"/>; throws at the first entry that breaks a rule.</summary>
    /// <exception cref="WeightFileException">That entry and rule.</exception>
    public static void Validate(string path)
    {
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
                if (entry.Length > BombFloor && entry.Length > MaxRatio * entry.CompressedLength)
                    throw new WeightFileException(path, where,
                        $"unpacks {entry.CompressedLength} bytes into {entry.Length}, a ratio no weights reach (a zip bomb)");
            }
            var pickles = entries.Values.Where(e => e.FullName == PickleName || e.FullName.EndsWith("/" + PickleName, StringComparison.Ordinal)).ToList();
            if (pickles.Count != 1)
                throw new WeightFileException(path, PickleName,
                    pickles.Count == 0 ? "is missing: a torch.save archive holds one" : $"appears {pickles.Count} times; a torch.save archive holds one");
            var pickle = pickles[0];
            if (pickle.Length > MaxPickleBytes)
                throw new WeightFileException(path, "zip entry " + WeightFileException.Quote(pickle.FullName),
                    $"declares {pickle.Length} bytes, more than the {MaxPickleBytes} a state dict's pickle could need");
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

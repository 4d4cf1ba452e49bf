using System.Buffers.Binary;
using System.Numerics;
using System.Text.Json;

namespace TinyGpt.Interop;

/// <summary>
/// Checks a safetensors file's header against the format and against the file before any tensor
/// is allocated: every entry has a known dtype, a rank TinyGpt reads, non-negative sizes whose
/// element count times the dtype's size is exactly its byte range, and that range lies inside the
/// file without overlapping another. PyBridge trusts the header, so a hostile one would otherwise
/// ask libtorch for any amount of memory.
/// </summary>
static class SafetensorsHeader
{
    /// <summary>The format's own limit on the JSON header (the reference implementation refuses more).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Tensors of more dimensions than this are not weights of any model TinyGpt knows.</summary>
    public const int MaxRank = 8;

    /// <summary>The dtypes TinyGpt reads, with their element sizes in bytes.</summary>
    public static readonly IReadOnlyDictionary<string, int> ElementSizes = new Dictionary<string, int>
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2,
        ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    /// <summary>One tensor as the header describes it.</summary>
    public sealed record Entry(string Name, string Dtype, long[] Shape, long Begin, long End);

    /// <summary>Reads and checks the header of <paramref name="path"/>; returns its tensors in file order.</summary>
    /// <exception cref="WeightFileException">The first entry that breaks a rule.</exception>
    public static IReadOnlyList<Entry> Validate(string path)
    {
        using var stream = File.OpenRead(path);
        var fileLength = stream.Length;
        Span<byte> prefix = stackalloc byte[8];
        if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8)
            throw Refuse(path, "header length", $"the file has {fileLength} bytes, fewer than the 8 that hold the header's length");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(fileLength - 8))
            throw Refuse(path, "header length", $"declares a {headerLength}-byte header, but the file has only {fileLength - 8} bytes after it");
        if (headerLength > MaxHeaderBytes)
            throw Refuse(path, "header length", $"declares a {headerLength}-byte header, more than the format's limit of {MaxHeaderBytes}");

        var json = new byte[headerLength];
        stream.ReadExactly(json);
        var dataLength = fileLength - 8 - (long)headerLength;
        var entries = Parse(path, json, dataLength);
        CheckOverlaps(path, entries);
        return entries;
    }

    static List<Entry> Parse(string path, byte[] json, long dataLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Refuse(path, "header", $"is not valid JSON (at byte {e.BytePositionInLine ?? 0} of line {(e.LineNumber ?? 0) + 1})", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw Refuse(path, "header", $"must be a JSON object of tensors; it is a JSON {Kind(document.RootElement)}");
            var entries = new List<Entry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var where = "tensor " + WeightFileException.Quote(property.Name);
                if (!seen.Add(property.Name))
                    throw Refuse(path, where, "appears twice in the header");
                if (property.Name == "__metadata__")
                    CheckMetadata(path, property.Value);
                else
                    entries.Add(ParseEntry(path, where, property.Name, property.Value, dataLength));
            }
            return entries;
        }
    }

    static void CheckMetadata(string path, JsonElement metadata)
    {
        if (metadata.ValueKind != JsonValueKind.Object)
            throw Refuse(path, "__metadata__", $"must be an object of strings; it is a JSON {Kind(metadata)}");
        foreach (var item in metadata.EnumerateObject())
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Refuse(path, "__metadata__." + item.Name, $"must be a string; it is a JSON {Kind(item.Value)}");
    }

    static Entry ParseEntry(string path, string where, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Refuse(path, where, $"must be an object with dtype, shape and data_offsets; it is a JSON {Kind(value)}");

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Refuse(path, where, "has no dtype string");
        var dtype = dtypeElement.GetString()!;
        if (!ElementSizes.TryGetValue(dtype, out var elementSize))
            throw Refuse(path, where, $"has dtype {WeightFileException.Quote(dtype)}, which is not one of {string.Join(", ", ElementSizes.Keys)}");

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw Refuse(path, where, "has no shape array");
        var rank = shapeElement.GetArrayLength();
        if (rank > MaxRank)
            throw Refuse(path, where, $"has rank {rank}; TinyGpt reads tensors of rank 0 to {MaxRank}");
        var shape = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            var size = shapeElement[i];
            if (size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out shape[i]))
                throw Refuse(path, where, $"has shape size {Short(size)} at dimension {i}, which is not a whole number");
            if (shape[i] < 0)
                throw Refuse(path, where, $"has a negative size ({shape[i]}) at dimension {i} of its shape");
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2
            || !offsets[0].TryGetInt64Safe(out var begin) || !offsets[1].TryGetInt64Safe(out var end))
            throw Refuse(path, where, "has no data_offsets pair [begin, end] of whole numbers");
        if (begin < 0 || end < begin)
            throw Refuse(path, where, $"has data_offsets [{begin}, {end}], which is not a range (0 ≤ begin ≤ end)");
        if (end > dataLength)
            throw Refuse(path, where, $"has data_offsets [{begin}, {end}], past the end of the file's {dataLength} data bytes");

        // BigInteger: a product of eight long sizes overflows any fixed width, and must be refused, not wrapped.
        var bytes = shape.Aggregate(new BigInteger(elementSize), (product, size) => product * size);
        if (bytes != end - begin)
            throw Refuse(path, where,
                $"has shape {NanoGptLayout.Format(shape)} of {dtype}, which needs {bytes} bytes, but its data_offsets [{begin}, {end}] hold {end - begin}");
        return new Entry(name, dtype, shape, begin, end);
    }

    static void CheckOverlaps(string path, List<Entry> entries)
    {
        var byBegin = entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < byBegin.Count; i++)
            if (byBegin[i].Begin < byBegin[i - 1].End)
                throw Refuse(path, "tensor " + WeightFileException.Quote(byBegin[i].Name),
                    $"has data_offsets [{byBegin[i].Begin}, {byBegin[i].End}], which overlap those of " +
                    $"{WeightFileException.Quote(byBegin[i - 1].Name)} [{byBegin[i - 1].Begin}, {byBegin[i - 1].End}]");
    }

    static bool TryGetInt64Safe(this JsonElement element, out long value)
    {
        value = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value);
    }

    static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();

    static string Short(JsonElement element)
    {
        var text = element.GetRawText();
        return text.Length <= 24 ? text : text[..21] + "…";
    }

    static WeightFileException Refuse(string path, string entry, string rule, Exception? cause = null) => new(path, entry, rule, cause);
}

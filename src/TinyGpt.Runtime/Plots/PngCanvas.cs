using System.IO.Compression;

namespace TinyGpt;

/// <summary>
/// A tiny RGB canvas that saves as PNG with nothing but the base library (no native graphics
/// library, so it works on headless servers): lines, rectangles and a 3×5 pixel font for numbers
/// and the few letters the loss plot labels with.
/// </summary>
internal sealed class PngCanvas
{
    private readonly byte[] _rgb;

    public PngCanvas(int width, int height, (byte R, byte G, byte B) background)
    {
        Width = width;
        Height = height;
        _rgb = new byte[width * height * 3];
        FillRectangle(0, 0, width, height, background);
    }

    public int Width { get; }

    public int Height { get; }

    public void SetPixel(int x, int y, (byte R, byte G, byte B) color)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height) return;
        var i = (y * Width + x) * 3;
        (_rgb[i], _rgb[i + 1], _rgb[i + 2]) = color;
    }

    public void FillRectangle(int x, int y, int width, int height, (byte R, byte G, byte B) color)
    {
        for (var yy = y; yy < y + height; yy++)
            for (var xx = x; xx < x + width; xx++)
                SetPixel(xx, yy, color);
    }

    /// <summary>A line <paramref name="thickness"/> pixels wide (Bresenham, stamped with a square).</summary>
    public void DrawLine(double x0, double y0, double x1, double y1, (byte R, byte G, byte B) color, int thickness = 1)
    {
        int ax = (int)Math.Round(x0), ay = (int)Math.Round(y0), bx = (int)Math.Round(x1), by = (int)Math.Round(y1);
        int dx = Math.Abs(bx - ax), dy = -Math.Abs(by - ay), sx = ax < bx ? 1 : -1, sy = ay < by ? 1 : -1, error = dx + dy;
        var half = thickness / 2;
        while (true)
        {
            FillRectangle(ax - half, ay - half, thickness, thickness, color);
            if (ax == bx && ay == by) break;
            var e2 = 2 * error;
            if (e2 >= dy) { error += dy; ax += sx; }
            if (e2 <= dx) { error += dx; ay += sy; }
        }
    }

    // 3x5 glyphs, one row per 3 bits, top row first.
    private static readonly Dictionary<char, int[]> Glyphs = new()
    {
        ['0'] = [7, 5, 5, 5, 7], ['1'] = [2, 6, 2, 2, 7], ['2'] = [7, 1, 7, 4, 7], ['3'] = [7, 1, 7, 1, 7],
        ['4'] = [5, 5, 7, 1, 1], ['5'] = [7, 4, 7, 1, 7], ['6'] = [7, 4, 7, 5, 7], ['7'] = [7, 1, 1, 1, 1],
        ['8'] = [7, 5, 7, 5, 7], ['9'] = [7, 5, 7, 1, 7], ['.'] = [0, 0, 0, 0, 2], ['-'] = [0, 0, 7, 0, 0],
        ['k'] = [4, 5, 6, 5, 5], ['e'] = [0, 7, 7, 4, 7], ['a'] = [0, 7, 1, 7, 7], ['i'] = [2, 0, 2, 2, 2],
        ['l'] = [6, 2, 2, 2, 7], ['n'] = [0, 6, 5, 5, 5], ['o'] = [0, 7, 5, 5, 7], ['p'] = [0, 7, 5, 7, 4],
        ['r'] = [0, 5, 6, 4, 4], ['s'] = [0, 7, 6, 1, 7], ['t'] = [2, 7, 2, 2, 3], ['v'] = [0, 5, 5, 5, 2],
    };

    /// <summary>Writes digits, <c>. -</c> and the letters of <c>aeiklnoprstv</c> at (x, y) with each font pixel <paramref name="scale"/> pixels wide.</summary>
    public void DrawText(int x, int y, string text, (byte R, byte G, byte B) color, int scale = 2)
    {
        foreach (var c in text)
        {
            if (Glyphs.TryGetValue(c, out var rows))
                for (var row = 0; row < 5; row++)
                    for (var col = 0; col < 3; col++)
                        if ((rows[row] >> (2 - col) & 1) == 1)
                            FillRectangle(x + col * scale, y + row * scale, scale, scale, color);
            x += 4 * scale;
        }
    }

    /// <summary>Width in pixels of <paramref name="text"/> drawn at <paramref name="scale"/>.</summary>
    public static int TextWidth(string text, int scale = 2) => text.Length * 4 * scale - scale;

    /// <summary>Encodes the canvas as an 8-bit RGB PNG.</summary>
    public void Save(string path)
    {
        using var file = File.Create(path);
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        WriteBigEndian(header, 0, (uint)Width);
        WriteBigEndian(header, 4, (uint)Height);
        header[8] = 8;   // bits per channel
        header[9] = 2;   // colour type: RGB
        WriteChunk(file, "IHDR", header);
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            for (var y = 0; y < Height; y++)
            {
                zlib.WriteByte(0);   // filter: none
                zlib.Write(_rgb, y * Width * 3, Width * 3);
            }
        WriteChunk(file, "IDAT", compressed.ToArray());
        WriteChunk(file, "IEND", []);
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        var buffer = new byte[12 + data.Length];
        WriteBigEndian(buffer, 0, (uint)data.Length);
        for (var i = 0; i < 4; i++) buffer[4 + i] = (byte)type[i];
        data.CopyTo(buffer, 8);
        WriteBigEndian(buffer, 8 + data.Length, Crc32(buffer.AsSpan(4, 4 + data.Length)));
        stream.Write(buffer);
    }

    private static void WriteBigEndian(byte[] buffer, int offset, uint value)
    {
        buffer[offset] = (byte)(value >> 24);
        buffer[offset + 1] = (byte)(value >> 16);
        buffer[offset + 2] = (byte)(value >> 8);
        buffer[offset + 3] = (byte)value;
    }

    private static readonly uint[] CrcTable = BuildCrcTable();

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in data)
            c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}

namespace TinyGpt.Interop.Tests;

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tinygpt-interop-" + Guid.NewGuid().ToString("N")[..12]);

    public string this[string name] => System.IO.Path.Combine(Path, name);

    /// <summary>Writes <paramref name="config"/> as the JSON the reference reads (TinyGpt's sidecar shape).</summary>
    public string Config(GptConfig config, string name = "config.json")
    {
        new NanoGptSidecar(config, null).Write(this[name]);
        return this[name];
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

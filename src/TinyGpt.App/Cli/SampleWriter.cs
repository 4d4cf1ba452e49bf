using Spectre.Console;

namespace TinyGpt.App.Cli;

/// <summary>Streams generated text to the console as the sampler produces it, character by character.</summary>
public static class SampleWriter
{
    /// <summary>The line between two samples, as nanoGPT's <c>sample.py</c> prints it.</summary>
    public const string Separator = "---------------";

    /// <summary>
    /// Writes each sample (its prompt, then every new character as it comes), separated by
    /// <see cref="Separator"/> lines. Plain text: markup characters in samples are not interpreted.
    /// </summary>
    public static void Write(IAnsiConsole console, Sampler sampler, SamplingOptions options, CancellationToken cancellation)
    {
        var writer = console.Profile.Out.Writer;
        int current = -1;
        try
        {
            sampler.Generate(options, (sample, text) =>
            {
                if (sample != current)
                {
                    if (current >= 0)
                        writer.Write($"\n{Separator}\n");
                    writer.Write(options.Prompt);
                    current = sample;
                }
                writer.Write(text);
                writer.Flush();
            }, cancellation);
        }
        finally
        {
            writer.WriteLine();
            writer.Flush();
        }
    }
}

using System.Text.Json.Nodes;

namespace TinyGpt.Interop.Tests;

/// <summary>Runs tests/python/reference_family.py (the lecture's, nanochat's and a SwiGLU model) like <see cref="PythonReference"/>.</summary>
static class FamilyReference
{
    static readonly Lazy<string> Script = new(() => PythonReference.FindScript("reference_family.py"));

    /// <summary>Runs a command whose output is one JSON object.</summary>
    public static JsonObject RunJson(params string[] args) =>
        JsonNode.Parse(PythonReference.RunScript(Script.Value, args))!.AsObject();
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Ascai.Serialization;

namespace Ascai.Compression;

/// <summary>
/// How to compress one layer: a method and its hyper-parameter. Pruning takes a ratio p in [0, 1); SVD a rank or
/// a bin 1..64 (rank = max(1, floor(bin*R/64)), 64 = left as is); Tucker-2 two ranks (out, in) or two bins 1..8
/// (rank = max(1, floor(bin*channels/8)), (8, 8) = left as is). See method.md section 1.
/// </summary>
public sealed record LayerSetting
{
    /// <summary>Method name: pn, ps, svd or tucker2.</summary>
    public required string Method { get; init; }
    /// <summary>Pruned fraction for pn / ps.</summary>
    public double? Ratio { get; init; }
    /// <summary>SVD rank.</summary>
    public int? Rank { get; init; }
    /// <summary>SVD bin (1..64).</summary>
    public int? Bin { get; init; }
    /// <summary>Tucker-2 ranks [out, in].</summary>
    public int[]? Ranks { get; init; }
    /// <summary>Tucker-2 bins [out, in] (1..8 each).</summary>
    public int[]? Bins { get; init; }
}

/// <summary>A per-layer compression setting for a whole model: layer name to <see cref="LayerSetting"/>.</summary>
public sealed class CompressionPlan
{
    /// <summary>Settings by layer name.</summary>
    public Dictionary<string, LayerSetting> Layers { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Reads a plan: a JSON object mapping layer names to settings, e.g. {"conv1": {"method": "ps", "ratio": 0.3}}.</summary>
    public static CompressionPlan Load(string path)
    {
        if (Directory.Exists(path)) throw new AscaiException($"{path}: a folder, not a settings file");
        if (!File.Exists(path)) throw new AscaiException($"{path}: no such settings file");
        return FromJson(File.ReadAllText(path), path);
    }

    /// <summary>
    /// A plan from its JSON (<see cref="ToJson"/>'s form, or a summary's settings); <paramref name="source"/> names it in errors.
    /// Unknown keys are errors: a misspelt key would otherwise be dropped without a word, and the layer compressed by a default.
    /// </summary>
    public static CompressionPlan FromJson(string json, string source = "settings")
    {
        const string Expected = "expected {\"layer\": {\"method\": \"ps\", \"ratio\": 0.3}, ...}";
        try
        {
            using (var document = JsonDocument.Parse(json))
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object) throw new AscaiException($"{source}: not a JSON object; {Expected}");
                foreach (var layer in document.RootElement.EnumerateObject())
                {
                    if (layer.Value.ValueKind != JsonValueKind.Object) throw new AscaiException($"{source}: layer '{layer.Name}' is not an object; {Expected}");
                    foreach (var key in layer.Value.EnumerateObject())
                        if (!Keys.Contains(key.Name))
                            throw new AscaiException($"{source}: layer '{layer.Name}': unknown key '{key.Name}' (known: {string.Join(", ", Keys)})");
                }
            }
            var layers = JsonSerializer.Deserialize<Dictionary<string, LayerSetting>>(json, Json.Options)
                ?? throw new AscaiException($"{source}: empty settings");
            return new CompressionPlan { Layers = new(layers, StringComparer.Ordinal) };
        }
        catch (JsonException e)
        {
            throw new AscaiException($"{source}: invalid settings JSON ({e.Message.Split('\n')[0]}); {Expected}");
        }
    }

    // The JSON names of LayerSetting's properties.
    private static readonly string[] Keys = typeof(LayerSetting).GetProperties().Select(p => Json.Options.PropertyNamingPolicy!.ConvertName(p.Name)).ToArray();

    /// <summary>Writes the plan as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(Layers, Json.Options);
}

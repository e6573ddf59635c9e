using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ascai.Compression;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Search;
using Ascai.Serialization;

namespace Ascai.Distributed;

/// <summary>
/// Everything a worker needs to evaluate a search's candidates exactly as the search would: the model and the
/// validation images (by content hash, in the blob store), the input normalisation, and the search space and
/// compression options. Its own id is a hash of it, so workers cache evaluators per job.
/// </summary>
public sealed record EvaluationJob
{
    /// <summary>SHA-256 (hex) of the model file's bytes.</summary>
    public required string ModelHash { get; init; }
    /// <summary>Model file extension (.ascai or .onnx), so the worker reads it the same way.</summary>
    public required string ModelExtension { get; init; }
    /// <summary>SHA-256 (hex) of the packed validation images.</summary>
    public required string DataHash { get; init; }
    /// <summary>Input normalisation the search resolved for the model.</summary>
    public required Normalization Normalization { get; init; }
    /// <summary>How candidates are made and scored: the search's own specification.</summary>
    public required EvaluationSpec Evaluation { get; init; }
    /// <summary>The floor below which candidates are rejected early (null: every image scored).</summary>
    public AccuracyFloor? RejectBelow { get; init; }

    /// <summary>The job's canonical JSON.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json.Options);

    /// <summary>The job's id: the first 16 hex digits of the SHA-256 of its JSON.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Id => Hash(ToJson())[..IdLength];

    /// <summary>
    /// Throws <see cref="AscaiException"/> unless the job's names are what the coordinator writes: hashes of lower-case hex
    /// and a model extension Ascai reads. A worker checks them before any of them becomes part of a path: a message may
    /// come from anyone who may publish on the server.
    /// </summary>
    public void CheckNames()
    {
        if (!IsHex(ModelHash, 64)) throw new AscaiException($"job: model hash '{Shown(ModelHash)}' is not a SHA-256 in hex");
        if (!IsHex(DataHash, 64)) throw new AscaiException($"job: data hash '{Shown(DataHash)}' is not a SHA-256 in hex");
        if (ModelExtension is not (".ascai" or ".onnx")) throw new AscaiException($"job: model extension '{Shown(ModelExtension)}' is neither .ascai nor .onnx");
    }

    /// <summary>Whether <paramref name="text"/> is exactly <paramref name="length"/> lower-case hex digits (a job id has 16).</summary>
    public static bool IsHex(string? text, int length) => text is not null && text.Length == length && text.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    /// <summary>The length of a job id (<see cref="Id"/>).</summary>
    public const int IdLength = 16;

    // A name from a message, safe to print: at most 40 characters, control characters replaced.
    internal static string Shown(string? text) => new string((text ?? "").Take(40).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    /// <summary>
    /// This build of Ascai: the first 16 hex digits of the SHA-256 of the library's assembly. A worker says it with every
    /// result; a search takes results only from its own build, whose candidates are the ones it would make itself.
    /// </summary>
    public static string Build => _build.Value;
    private static readonly Lazy<string> _build = new(() =>
    {
        string path = typeof(EvaluationJob).Assembly.Location;
        return path.Length > 0 && File.Exists(path) ? Hash(File.ReadAllBytes(path))[..16] : typeof(EvaluationJob).Assembly.ManifestModule.ModuleVersionId.ToString("N")[..16];
    });

    /// <summary>Lower-case hex SHA-256 of some bytes.</summary>
    public static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>A short stable id of a journal key, for message ids.</summary>
    public static string KeyId(string key) => Hash(Encoding.UTF8.GetBytes(key))[..24];

    /// <summary>The job of a search config on its resolved model and data (hashes computed by the caller).</summary>
    public static EvaluationJob For(SearchConfig config, Model model, string modelHash, string dataHash) => new()
    {
        ModelHash = modelHash, ModelExtension = ModelFile.IsOnnx(config.Model) ? ".onnx" : ".ascai", DataHash = dataHash,
        Normalization = model.Info.Normalization, Evaluation = config.Evaluation,
    };
}

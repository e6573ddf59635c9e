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
    public string Id => Hash(ToJson())[..16];

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

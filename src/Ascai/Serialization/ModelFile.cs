using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text.Json;
using Ascai.Graph;
using static TorchSharp.torch;

namespace Ascai.Serialization;

/// <summary>
/// Reads and writes a <see cref="Model"/> as one file: a zip archive holding <c>model.json</c> (format version,
/// metadata, nodes with their attributes, and a tensor index) and <c>tensors.bin</c> (every tensor as raw
/// little-endian float32, in index order). Plain formats, so a model can be inspected with unzip and any JSON tool.
/// </summary>
public static class ModelFile
{
    /// <summary>File format identifier.</summary>
    public const string Format = "ascai-model";
    /// <summary>Current version of the format.</summary>
    public const int Version = 1;

    private sealed record TensorEntry(string Node, string Name, long[] Shape);

    private sealed record Document(string Format, int Version, ModelInfo Info, string Output, List<Node> Nodes, List<TensorEntry> Tensors);

    /// <summary>The lower-case hex SHA-256 of a file's bytes (streamed): which model a run was made from.</summary>
    public static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }

    /// <summary>Whether a path names an ONNX file (by its extension), which Load and Save handle through ONNX.</summary>
    public static bool IsOnnx(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Saves atomically; an existing file is replaced only once the new one is complete. A path ending in .onnx is
    /// written as ONNX (the graph and weights; ONNX has no place for the normalisation and history).
    /// </summary>
    public static void Save(Model model, string path)
    {
        if (IsOnnx(path))
        {
            if (model.Graph.FirstNonFiniteTensor() is { } nonFinite)
                throw new AscaiException($"{path}: not written: tensor {nonFinite} holds NaN or infinite values");
            AtomicFile.WriteBytes(path, Onnx.OnnxExporter.Export(model));
            return;
        }
        model.Graph.Validate();
        if (model.Graph.FirstNonFiniteTensor() is { } bad)
            throw new AscaiException($"{path}: not written: tensor {bad} holds NaN or infinite values (a diverged training or fine-tuning)");
        using var scope = NewDisposeScope(); // reading weights out makes temporaries
        var entries = new List<TensorEntry>();
        var tensors = new List<Tensor>();
        foreach (var node in model.Graph.Nodes)
            foreach (var (name, value) in node.AllTensors().OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                entries.Add(new TensorEntry(node.Name, name, value.shape));
                tensors.Add(value);
            }
        var document = new Document(Format, Version, model.Info, model.Graph.Output, model.Graph.Nodes.ToList(), entries);

        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            using (var json = zip.CreateEntry("model.json", CompressionLevel.Optimal).Open())
                JsonSerializer.Serialize(json, document, Json.Options);
            using var bin = zip.CreateEntry("tensors.bin", CompressionLevel.NoCompression).Open();
            foreach (var t in tensors)
            {
                using var cpu = t.detach().cpu().contiguous();
                bin.Write(MemoryMarshal.AsBytes(cpu.data<float>().ToArray().AsSpan()));
            }
        });
    }

    /// <summary>Loads a model; any problem with the file gives an <see cref="AscaiException"/> naming it.</summary>
    public static Model Load(string path)
    {
        if (Directory.Exists(path)) throw new AscaiException($"{path}: a folder, not a model file");
        if (!File.Exists(path)) throw new AscaiException($"{path}: no such model file");
        var model = IsOnnx(path) ? LoadOnnx(path) : LoadAscai(path);
        try
        {
            Check(model, path);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    // What any model must satisfy before it is measured: finite weights and normalisation, and as many outputs as classes.
    private static void Check(Model model, string path)
    {
        if (model.Graph.FirstNonFiniteTensor() is { } bad) throw new AscaiException($"{path}: tensor {bad} holds NaN or infinite values");
        try { model.Info.Normalization.Validate("normalisation", model.Graph.InputShape.Channels); }
        catch (SettingException e) { throw new AscaiException($"{path}: the model's input {e.Message}"); }
        long outputs = model.Graph.InferShapes()[model.Graph.Output].Elements;
        if (model.Info.NumClasses > 0 && outputs != model.Info.NumClasses)
            throw new AscaiException($"{path}: the model declares {model.Info.NumClasses} classes but its last layer has {outputs} outputs");
        if (model.Info.ClassNames.Length > 0 && model.Info.ClassNames.Length != outputs)
            throw new AscaiException($"{path}: the model names {model.Info.ClassNames.Length} classes but its last layer has {outputs} outputs");
    }

    private static Model LoadAscai(string path)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var jsonEntry = zip.GetEntry("model.json") ?? throw new AscaiException($"{path}: not an Ascai model (no model.json)");
            Document document;
            using (var json = jsonEntry.Open())
                document = JsonSerializer.Deserialize<Document>(json, Json.Options) ?? throw new AscaiException($"{path}: empty model.json");
            if (document.Format != Format) throw new AscaiException($"{path}: not an Ascai model (format '{document.Format}')");
            if (document.Version > Version) throw new AscaiException($"{path}: model format version {document.Version} is newer than this Ascai reads ({Version})");

            var graph = new LayerGraph();
            try
            {
                foreach (var node in document.Nodes) graph.Add(node);
                graph.Output = document.Output;
                ReadTensors(path, zip, graph, document.Tensors);
                graph.Validate();
                return new Model(graph, document.Info);
            }
            catch
            {
                graph.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or NotSupportedException or EndOfStreamException)
        {
            throw new AscaiException($"{path}: corrupt model file ({e.Message.Split('\n')[0]})", e);
        }
    }

    private static void ReadTensors(string path, ZipArchive zip, LayerGraph graph, List<TensorEntry> entries)
    {
        var binEntry = zip.GetEntry("tensors.bin") ?? throw new AscaiException($"{path}: corrupt model file (no tensors.bin)");
        long expected = entries.Sum(e => e.Shape.Aggregate(1L, (a, d) => a * d)) * sizeof(float);
        if (binEntry.Length != expected)
            throw new AscaiException($"{path}: corrupt model file (tensors.bin holds {binEntry.Length} bytes, the index needs {expected})");
        using var bin = binEntry.Open();
        using var scope = NewDisposeScope();
        foreach (var entry in entries)
        {
            if (!graph.Contains(entry.Node)) throw new AscaiException($"{path}: corrupt model file (tensor for unknown node '{entry.Node}')");
            var values = new float[entry.Shape.Aggregate(1L, (a, d) => a * d)];
            bin.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
            graph[entry.Node].SetTensor(entry.Name, tensor(values, entry.Shape));
        }
    }

    /// <summary>
    /// An ONNX classifier as a model, called as the file is (<see cref="OnnxInterface"/>). A file Ascai wrote carries the
    /// model's information in its metadata, its input normalisation among it; any other carries none, and the model's
    /// normalisation is marked unknown (<see cref="ModelInfo.NormalizationAssumed"/>) until the user or the data set gives it.
    /// </summary>
    private static Model LoadOnnx(string path)
    {
        if (!File.Exists(path)) throw new AscaiException($"{path}: no such file");
        var (graph, face, metadata) = Onnx.OnnxImporter.Read(File.ReadAllBytes(path), path);
        try
        {
            var shapes = graph.InferShapes();
            if (metadata.TryGetValue(Onnx.OnnxExporter.ModelInfoKey, out string? json))
            {
                ModelInfo? recorded;
                try { recorded = JsonSerializer.Deserialize<ModelInfo>(json, Json.Options); }
                catch (JsonException e) { throw new AscaiException($"{path}: corrupt model information in its metadata ({e.Message.Split('\n')[0]})"); }
                if (recorded is not null)
                {
                    recorded.Normalization.Validate($"{path}: the normalisation in its metadata", graph.InputShape.Channels);
                    return new Model(graph, recorded with { Onnx = face, NumClasses = (int)shapes[graph.Output].Elements });
                }
            }
            var normalization = graph.InputShape.Channels == 3 ? Normalization.Cifar10 : Normalization.FashionMnist;
            return new Model(graph, new ModelInfo
            {
                Architecture = Path.GetFileNameWithoutExtension(path), NumClasses = (int)shapes[graph.Output].Elements, Normalization = normalization, NormalizationAssumed = true,
                Onnx = face,
            });
        }
        catch
        {
            graph.Dispose();
            throw;
        }
    }
}

using System.Text.Json;
using Ascai.Graph;
using Ascai.Onnx;
using Ascai.Onnx.Proto;
using Ascai.Serialization;

namespace Ascai.Quantization;

/// <summary>
/// A quantised model: ONNX QDQ bytes, run by ONNX Runtime's int8 kernels, with the model's information (input
/// normalisation, classes) and the layers in int8 kept in the file's metadata, so the file alone can be evaluated.
/// </summary>
public sealed class Int8Model
{
    private const string InfoKey = OnnxExporter.ModelInfoKey;
    private const string LayersKey = "ascai.int8_layers";
    private const string MacsKey = "ascai.macs";
    private const string ParamsKey = "ascai.params";

    /// <summary>The ONNX QDQ model.</summary>
    public byte[] Onnx { get; }
    /// <summary>Normalisation, classes and training record of the float model it was made from.</summary>
    public ModelInfo Info { get; }
    /// <summary>Conv and linear layers whose weights and inputs are int8 (the others stay float32).</summary>
    public IReadOnlyList<string> Int8Layers { get; }

    /// <summary>Multiply-accumulates of one image (the float model's count: int8 changes their width, not their number).</summary>
    public long Macs { get; }
    /// <summary>Weights and biases.</summary>
    public long Params { get; }
    /// <summary>Shape of one input image (C x H x W).</summary>
    public Shape InputShape { get; }

    private Int8Model(byte[] onnx, ModelInfo info, IReadOnlyList<string> int8Layers, long macs, long parameters, Shape input) =>
        (Onnx, Info, Int8Layers, Macs, Params, InputShape) = (onnx, info, int8Layers, macs, parameters, input);

    /// <summary>Writes <paramref name="graph"/> as QDQ with <paramref name="int8Layers"/> in int8 and the metadata that lets <see cref="TryLoad"/> read it back.</summary>
    internal static Int8Model Write(LayerGraph graph, ModelInfo info, IReadOnlySet<string> int8Layers, IReadOnlyDictionary<string, TensorRange> ranges)
    {
        var profile = Cost.CostModel.Profile(graph);
        var metadata = new Dictionary<string, string>
        {
            [LayersKey] = string.Join(",", int8Layers), [MacsKey] = profile.TotalMacs.ToString(), [ParamsKey] = profile.TotalParams.ToString(),
        };
        byte[] onnx = QdqWriter.Write(graph, int8Layers, ranges, info.Architecture, info, metadata);
        return new Int8Model(onnx, info, [.. int8Layers], profile.TotalMacs, profile.TotalParams, graph.InputShape);
    }

    /// <summary>
    /// The quantised model in <paramref name="path"/>, or null when the path is not an ONNX file with quantisation nodes
    /// (a float model, which the other loaders read). The file is read and parsed once.
    /// </summary>
    public static Int8Model? TryLoad(string path)
    {
        if (!ModelFile.IsOnnx(path) || !File.Exists(path)) return null;
        byte[] bytes = File.ReadAllBytes(path);
        ModelProto proto;
        try { proto = ModelProto.Parser.ParseFrom(bytes); }
        catch (Google.Protobuf.InvalidProtocolBufferException) { return null; }
        if (proto.Graph is null || !proto.Graph.Node.Any(n => n.OpType is "QuantizeLinear" or "DequantizeLinear")) return null;
        var metadata = proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        if (!metadata.TryGetValue(InfoKey, out string? json))
            throw new AscaiException($"{path}: a quantised ONNX model without Ascai's model information (its input normalisation): quantise it with Ascai");
        var info = JsonSerializer.Deserialize<ModelInfo>(json, Json.Options) ?? throw new AscaiException($"{path}: empty model information");
        string layers = metadata.GetValueOrDefault(LayersKey, "");
        var input = new Shape([.. proto.Graph.Input[0].Type.TensorType.Shape.Dim.Skip(1).Select(d => (int)d.DimValue)]);
        return new Int8Model(bytes, info, layers.Length == 0 ? [] : layers.Split(','),
            long.Parse(metadata.GetValueOrDefault(MacsKey, "0")), long.Parse(metadata.GetValueOrDefault(ParamsKey, "0")), input);
    }

    /// <summary>Writes the file atomically.</summary>
    public void Save(string path) => AtomicFile.WriteBytes(path, Onnx);

    /// <summary>An ONNX Runtime session of the model.</summary>
    public OnnxRuntimeSession Session(int threads = 0, bool spin = true) => new(Onnx, threads, spin: spin);
}

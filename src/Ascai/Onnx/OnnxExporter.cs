using Ascai.Graph;
using Ascai.Onnx.Proto;
using Google.Protobuf;
using static TorchSharp.torch;

namespace Ascai.Onnx;

/// <summary>
/// Writes a layer graph as an ONNX model (opset 17) that ONNX Runtime runs with the same outputs: every node kind
/// writes itself as standard operators (<see cref="Node.ToOnnx"/>: a channel mask becomes a Mul by a constant, dropout
/// an Identity), weights become float32 initializers, and the batch dimension is symbolic ("N"). Decomposed and
/// compact graphs are plain graphs of these nodes, so they export like any other.
/// </summary>
public static class OnnxExporter
{
    /// <summary>Opset the exported models declare.</summary>
    public const int Opset = 17;
    private const int IrVersion = 8;

    /// <summary>Metadata key of a model's information (normalisation, classes, history) as JSON, which an import reads back.</summary>
    public const string ModelInfoKey = "ascai.model_info";

    /// <summary>
    /// Opset each operator that needs more than opset 13 first appeared in (every other operator Ascai writes has meant
    /// the same since 13): a model keeps its own opset when it is at least what its operators need.
    /// </summary>
    private static readonly Dictionary<string, int> OpsetOf = new() { ["HardSwish"] = 14, ["LayerNormalization"] = 17 };
    private const int OldestOpset = 13;

    /// <summary>The ONNX bytes of <paramref name="graph"/>.</summary>
    public static byte[] Export(LayerGraph graph, string name = "ascai") => ExportModel(graph, name).ToByteArray();

    /// <summary>
    /// The ONNX bytes of <paramref name="model"/> as a drop-in replacement for the file it was imported from: that file's
    /// input and output names, batch axes and opset (raised only where an operator needs it), and the model's information
    /// (its input normalisation among it) in the metadata, where an import reads it back.
    /// </summary>
    public static byte[] Export(Model model)
    {
        var proto = ExportModel(model.Graph, model.Info.Architecture);
        Finish(proto, model.Info);
        return proto.ToByteArray();
    }

    /// <summary>Gives an exported model the interface of the file it came from and the model's information (<see cref="Export(Model)"/>).</summary>
    internal static void Finish(ModelProto proto, ModelInfo info, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var onnx = proto.Graph;
        if (info.Onnx is { } face)
        {
            Rename(onnx, onnx.Input[0].Name, face.Input);
            Rename(onnx, onnx.Output[0].Name, face.Output);
            onnx.Input[0].Type.TensorType.Shape.Dim[0].DimParam = face.InputBatch ?? "N";
            onnx.Output[0].Type.TensorType.Shape.Dim[0].DimParam = face.OutputBatch ?? face.InputBatch ?? "N";
            int needed = onnx.Node.Select(n => OpsetOf.GetValueOrDefault(n.OpType, OldestOpset)).DefaultIfEmpty(OldestOpset).Max();
            // QDQ models need opset 13 too (per-axis DequantizeLinear); the writer's own opset stays when it is higher.
            int opset = Math.Max(needed, face.Opset);
            proto.OpsetImport.Single(o => o.Domain == "").Version = opset;
            proto.IrVersion = opset switch { <= 18 => IrVersion, <= 20 => 9, _ => 10 }; // the IR version each opset came with
        }
        proto.MetadataProps.Add(new StringStringEntryProto { Key = ModelInfoKey, Value = System.Text.Json.JsonSerializer.Serialize(info, Serialization.Json.Options) });
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
            if (key != ModelInfoKey) proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
    }

    /// <summary>The input and output names and the opset of ONNX bytes.</summary>
    public static (string Input, string Output, int Opset) Signature(byte[] onnx)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        return (model.Graph.Input[0].Name, model.Graph.Output[0].Name, (int)model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Max(o => o.Version));
    }

    // Every use of tensor `from` (node inputs and outputs, the graph's inputs and outputs) named `to` instead.
    private static void Rename(GraphProto onnx, string from, string to)
    {
        if (from == to) return;
        if (onnx.Node.Any(n => n.Output.Contains(to)) || onnx.Initializer.Any(t => t.Name == to))
            throw new AscaiException($"cannot name the exported model's tensor '{from}' '{to}': a tensor of that name exists already");
        foreach (var node in onnx.Node)
        {
            for (int i = 0; i < node.Input.Count; i++) if (node.Input[i] == from) node.Input[i] = to;
            for (int i = 0; i < node.Output.Count; i++) if (node.Output[i] == from) node.Output[i] = to;
        }
        foreach (var value in onnx.Input.Concat(onnx.Output)) if (value.Name == from) value.Name = to;
    }

    /// <summary>The ONNX model of <paramref name="graph"/>, for writers that transform it further (<see cref="QdqWriter"/>).</summary>
    internal static ModelProto ExportModel(LayerGraph graph, string name)
    {
        using var scope = TorchSharp.torch.NewDisposeScope(); // reading weights out makes temporaries
        graph.Validate();
        var shapes = graph.InferShapes();
        var onnx = new GraphProto { Name = name };
        onnx.Input.Add(Value(graph.Input.Name, shapes[graph.Input.Name]));
        var writer = new Writer(onnx, shapes);
        foreach (var node in graph.Nodes.Skip(1)) node.ToOnnx(writer);
        onnx.Output.Add(Value(graph.Output, shapes[graph.Output]));
        var model = new ModelProto
        {
            IrVersion = IrVersion, ProducerName = "ascai", ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "", Graph = onnx,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }

    /// <summary>
    /// Largest difference between Ascai's and ONNX Runtime's outputs that <see cref="Check"/> accepts, relative to the
    /// largest output when that exceeds 1 (float32 sums in another order differ in proportion to the values summed).
    /// </summary>
    public const double CheckTolerance = 1e-3;

    /// <summary>
    /// Runs <paramref name="onnx"/> (the export of <paramref name="graph"/>) in ONNX Runtime on <paramref name="samples"/>
    /// seeded random inputs and returns the largest absolute difference from Ascai's outputs; throws when it exceeds
    /// <see cref="CheckTolerance"/> (of the outputs' scale) or is not a number (a NaN output is a failure, never a pass).
    /// </summary>
    public static double Check(LayerGraph graph, byte[] onnx, int samples = 8)
    {
        using var scope = NewDisposeScope();
        using var session = new OnnxRuntimeSession(onnx);
        var x = randn(graph.InputShape.WithBatch(samples), generator: new TorchSharp.torch.Generator(0));
        using var _ = inference_mode();
        var expected = graph.Forward(x);
        double diff = (expected - session.Run(x)).abs().max().item<float>(), scale = Math.Max(1, expected.abs().max().item<float>());
        if (!(diff <= CheckTolerance * scale))
            throw new AscaiException($"the exported model's outputs differ from Ascai's by {diff:G3} on {samples} random inputs (at most {CheckTolerance:G1}{(scale > 1 ? $" of the largest output, {scale:G3}," : "")} allowed)");
        return diff;
    }

    /// <summary>The ONNX graph a node writes itself into: protobuf nodes and initialisers.</summary>
    private sealed class Writer(GraphProto onnx, IReadOnlyDictionary<string, Shape> shapes) : IOnnxGraph
    {
        public void Op(string type, string name, IEnumerable<string> inputs, params OnnxAttribute[] attributes) =>
            onnx.Node.Add(OnnxExporter.Op(type, name, inputs, [.. attributes.Select(Attribute)]));

        public string Weight(Node node, string tensor, Tensor value) => Initializer(onnx, $"{node.Name}.{tensor}", value);

        public string Int64s(string name, long[] values) => Longs(onnx, name, values);

        public Shape ShapeOf(string tensor) => shapes[tensor];

        private static AttributeProto Attribute(OnnxAttribute a) => a switch
        {
            { Int: { } i } => Int(a.Name, i),
            { Ints: { } ints } => Ints(a.Name, ints),
            { Float: { } f } => Float(a.Name, f),
            _ => throw new InvalidOperationException($"attribute '{a.Name}' has no value"),
        };
    }

    internal static NodeProto Op(string type, string name, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = type, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(name);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static string Initializer(GraphProto onnx, string name, Tensor value)
    {
        using var contiguous = value.detach().to_type(ScalarType.Float32).contiguous();
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(contiguous.shape);
        proto.RawData = ByteString.CopyFrom(contiguous.bytes);
        onnx.Initializer.Add(proto);
        return name;
    }

    private static string Longs(GraphProto onnx, string name, long[] values)
    {
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.Add(values.Length);
        proto.Int64Data.AddRange(values);
        onnx.Initializer.Add(proto);
        return name;
    }

    private static ValueInfoProto Value(string name, Shape shape)
    {
        var tensorShape = new TensorShapeProto();
        tensorShape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (int d in shape.Dims) tensorShape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape } },
        };
    }

    private static AttributeProto Ints(string name, IEnumerable<long> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    internal static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
    private static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
}

using Ascai.Graph;
using Ascai.Graph.Nodes;
using Ascai.Onnx.Proto;
using Google.Protobuf;
using static TorchSharp.torch;

namespace Ascai.Onnx;

/// <summary>
/// Writes a layer graph as an ONNX model (opset 17) that ONNX Runtime runs with the same outputs: every node kind
/// maps to standard operators (a channel mask becomes a Mul by a constant, dropout an Identity), weights become
/// float32 initializers, and the batch dimension is symbolic ("N"). Decomposed and compact graphs are plain
/// graphs of these nodes, so they export like any other.
/// </summary>
public static class OnnxExporter
{
    /// <summary>Opset the exported models declare.</summary>
    public const int Opset = 17;
    private const int IrVersion = 8;

    /// <summary>The ONNX bytes of <paramref name="graph"/>.</summary>
    public static byte[] Export(LayerGraph graph, string name = "ascai") => ExportModel(graph, name).ToByteArray();

    /// <summary>The ONNX model of <paramref name="graph"/>, for writers that transform it further (<see cref="QdqWriter"/>).</summary>
    internal static ModelProto ExportModel(LayerGraph graph, string name)
    {
        using var scope = TorchSharp.torch.NewDisposeScope(); // reading weights out makes temporaries
        graph.Validate();
        var shapes = graph.InferShapes();
        var onnx = new GraphProto { Name = name };
        onnx.Input.Add(Value(graph.Input.Name, shapes[graph.Input.Name]));
        foreach (var node in graph.Nodes.Skip(1)) Add(onnx, node, shapes);
        onnx.Output.Add(Value(graph.Output, shapes[graph.Output]));
        var model = new ModelProto
        {
            IrVersion = IrVersion, ProducerName = "ascai", ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "", Graph = onnx,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }

    /// <summary>Largest absolute difference between Ascai's and ONNX Runtime's outputs that <see cref="Check"/> accepts.</summary>
    public const double CheckTolerance = 1e-3;

    /// <summary>
    /// Runs <paramref name="onnx"/> (the export of <paramref name="graph"/>) in ONNX Runtime on <paramref name="samples"/>
    /// seeded random inputs and returns the largest absolute difference from Ascai's outputs; throws when it exceeds
    /// <see cref="CheckTolerance"/> or is not a number (a NaN output is a failure, never a pass).
    /// </summary>
    public static double Check(LayerGraph graph, byte[] onnx, int samples = 8)
    {
        using var scope = NewDisposeScope();
        using var session = new OnnxRuntimeSession(onnx);
        var x = randn(graph.InputShape.WithBatch(samples), generator: new TorchSharp.torch.Generator(0));
        using var _ = inference_mode();
        double diff = (graph.Forward(x) - session.Run(x)).abs().max().item<float>();
        if (!(diff <= CheckTolerance))
            throw new AscaiException($"the exported model's outputs differ from Ascai's by {diff:G3} on {samples} random inputs (at most {CheckTolerance:G1} allowed)");
        return diff;
    }

    private static void Add(GraphProto onnx, Node node, IReadOnlyDictionary<string, Shape> shapes)
    {
        string x = node.Inputs.Length > 0 ? node.Inputs[0] : "";
        string Init(string tensor, Tensor value) => Initializer(onnx, $"{node.Name}.{tensor}", value);
        switch (node)
        {
            case Conv2dNode c:
                onnx.Node.Add(Op("Conv", node.Name, [x, Init("weight", c.Parameters["weight"]), .. c.HasBias ? [Init("bias", c.Parameters["bias"])] : Array.Empty<string>()],
                    Ints("kernel_shape", c.Kernel), Ints("strides", c.Stride), Ints("pads", [c.Padding[0], c.Padding[1], c.Padding[0], c.Padding[1]]),
                    Ints("dilations", c.Dilation), Int("group", c.Groups)));
                break;
            case LinearNode l:
                onnx.Node.Add(Op("Gemm", node.Name, [x, Init("weight", l.Parameters["weight"]), .. l.HasBias ? [Init("bias", l.Parameters["bias"])] : Array.Empty<string>()],
                    Int("transB", 1)));
                break;
            case BatchNormNode b:
                onnx.Node.Add(Op("BatchNormalization", node.Name,
                    [x, Init("weight", b.Parameters["weight"]), Init("bias", b.Parameters["bias"]), Init("running_mean", b.Buffers["running_mean"]), Init("running_var", b.Buffers["running_var"])],
                    Float("epsilon", (float)b.Epsilon)));
                break;
            case ActivationNode { Function: ActivationFunction.Relu or ActivationFunction.Sigmoid or ActivationFunction.HardSwish } a:
                onnx.Node.Add(Op(a.Function.ToString(), node.Name, [x])); // parameterless ONNX ops of the same name
                break;
            case ActivationNode { Function: ActivationFunction.Relu6 }:
                onnx.Node.Add(Op("Clip", node.Name, [x, Init("min", tensor(0f)), Init("max", tensor(6f))]));
                break;
            case ActivationNode { Function: ActivationFunction.LeakyRelu } a:
                onnx.Node.Add(Op("LeakyRelu", node.Name, [x], Float("alpha", (float)a.Alpha)));
                break;
            case ActivationNode { Function: ActivationFunction.HardSigmoid } a:
                onnx.Node.Add(Op("HardSigmoid", node.Name, [x], Float("alpha", (float)a.Alpha), Float("beta", (float)a.Beta)));
                break;
            case ActivationNode { Function: ActivationFunction.Softmax }:
                onnx.Node.Add(Op("Softmax", node.Name, [x], Int("axis", 1)));
                break;
            case ActivationNode { Function: ActivationFunction.Silu }:
                onnx.Node.Add(Op("Sigmoid", node.Name + ".sigmoid", [x]));
                onnx.Node.Add(Op("Mul", node.Name, [x, node.Name + ".sigmoid"]));
                break;
            case MulNode:
                onnx.Node.Add(Op("Mul", node.Name, node.Inputs));
                break;
            case MaxPoolNode or AvgPoolNode:
                var p = (Pool2dNode)node;
                var attributes = new List<AttributeProto>
                {
                    Ints("kernel_shape", p.Kernel), Ints("strides", p.Stride ?? p.Kernel), Ints("pads", [p.Padding[0], p.Padding[1], p.Padding[0], p.Padding[1]]),
                    Int("ceil_mode", p.CeilMode ? 1 : 0),
                };
                if (node is AvgPoolNode) attributes.Add(Int("count_include_pad", 1)); // torch's avg_pool2d default
                onnx.Node.Add(Op(node is MaxPoolNode ? "MaxPool" : "AveragePool", node.Name, [x], [.. attributes]));
                break;
            case GlobalAvgPoolNode:
                onnx.Node.Add(Op("GlobalAveragePool", node.Name, [x]));
                break;
            case AddNode:
                onnx.Node.Add(Op(node.Inputs.Length == 2 ? "Add" : "Sum", node.Name, node.Inputs));
                break;
            case ConcatNode:
                onnx.Node.Add(Op("Concat", node.Name, node.Inputs, Int("axis", 1)));
                break;
            case FlattenNode:
                onnx.Node.Add(Op("Flatten", node.Name, [x], Int("axis", 1)));
                break;
            case DropoutNode:
                onnx.Node.Add(Op("Identity", node.Name, [x]));
                break;
            case ChannelSliceNode slice:
                onnx.Node.Add(Op("Slice", node.Name, [x, Longs(onnx, $"{node.Name}.starts", [slice.Start]), Longs(onnx, $"{node.Name}.ends", [slice.End]),
                    Longs(onnx, $"{node.Name}.axes", [1])]));
                break;
            case ChannelShuffleNode shuffle:
            {
                var s = shapes[x];
                onnx.Node.Add(Op("Reshape", node.Name + ".grouped", [x, Longs(onnx, $"{node.Name}.grouped_shape", [0, shuffle.Groups, s.Channels / shuffle.Groups, s.Height, s.Width])]));
                onnx.Node.Add(Op("Transpose", node.Name + ".transposed", [node.Name + ".grouped"], Ints("perm", [0, 2, 1, 3, 4])));
                onnx.Node.Add(Op("Reshape", node.Name, [node.Name + ".transposed", Longs(onnx, $"{node.Name}.shape", [0, s.Channels, s.Height, s.Width])]));
                break;
            }
            case ChannelGatherNode gather:
                onnx.Node.Add(Op("Gather", node.Name, [x, Longs(onnx, $"{node.Name}.indices", [.. gather.Indices.Select(i => (long)i)])], Int("axis", 1)));
                break;
            case ChannelMaskNode m:
                // The mask multiplies channel c of an (N, C, ...) tensor: broadcast it as (1, C, 1, 1) or (1, C).
                int rank = shapes[x].Rank + 1;
                long[] shape = [1, m.Channels, .. Enumerable.Repeat(1L, rank - 2)];
                onnx.Node.Add(Op("Mul", node.Name, [x, Init("mask", m.Buffers["mask"].reshape(shape))]));
                break;
            default:
                throw new AscaiException($"node '{node.Name}' ({node.Kind}) has no ONNX export");
        }
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

    private static AttributeProto Ints(string name, IEnumerable<int> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values.Select(v => (long)v));
        return a;
    }

    internal static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
    private static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
}

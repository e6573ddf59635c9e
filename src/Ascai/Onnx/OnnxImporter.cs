using Ascai.Graph;
using Ascai.Graph.Nodes;
using Ascai.Onnx.Proto;
using Google.Protobuf;
using static TorchSharp.torch;

namespace Ascai.Onnx;

/// <summary>
/// Reads an ONNX CNN classifier, as PyTorch exports one (opset 11-17), into a layer graph with its weights: Conv,
/// Gemm, MatMul (+ Add of a constant), Relu, Clip(0, 6), LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Gelu, Mul (x *
/// sigmoid(x) becomes SiLU; by a per-channel 0/1 constant, a channel mask; by another per-channel constant, a channel
/// scale; otherwise a broadcast product, as in squeeze-and-excitation), BatchNormalization, LayerNormalization over the
/// channels, MaxPool, AveragePool, GlobalAveragePool, Add, Concat, Flatten, Reshape to (N, -1), ReduceMean over H and W
/// (global pooling), a zero Pad folded into the conv that reads it, Softmax at the output, a channel Slice (ShuffleNet's
/// chunk), the Reshape-Transpose-Reshape of a channel shuffle, a Gather of channels (a compacted shuffle, as Ascai
/// exports it), ConvNeXt's channels-last blocks (Transpose to N x H x W x C, LayerNormalization, MatMul as a 1x1 conv,
/// Gelu, Transpose back), Dropout, Identity, Constant. The decomposed LayerNorm and GELU of older opsets are fused first
/// (<see cref="OnnxFusion"/>). The shape arithmetic PyTorch exports for view and flatten
/// (Shape, Gather, Unsqueeze, Squeeze, Concat, Slice, Cast and arithmetic on constants) is folded into constants
/// from the model's known input shape, the batch as 0 ("keep this dimension" to Reshape), so a dynamic
/// <c>x.view(x.size(0), -1)</c> becomes a plain flatten. A conv whose batch-norm was folded into it (torch.onnx.export
/// in eval mode) is a conv with a bias, and compresses like any conv. Anything else is one clear error naming the op
/// and the node; no partial graph is returned.
/// </summary>
public static class OnnxImporter
{
    /// <summary>The ops the importer understands.</summary>
    public static readonly string[] SupportedOps =
    [
        "Conv", "Gemm", "MatMul", "Add", "Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Mul", "BatchNormalization", "MaxPool", "AveragePool", "GlobalAveragePool",
        "Concat", "Flatten", "Reshape", "ReduceMean", "Pad", "Softmax", "Dropout", "Identity", "Constant", "LayerNormalization", "Gelu",
        "Shape", "Gather", "Unsqueeze", "Squeeze", "Slice", "Cast", "Sub", "Div", "ConstantOfShape", "Transpose",
    ];

    // Ops that are folded when every input is a constant (shape arithmetic), whatever they would otherwise mean.
    private static readonly HashSet<string> Foldable =
        ["Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Cast", "Add", "Sub", "Mul", "Div", "Reshape", "Flatten", "Identity", "ConstantOfShape", "Transpose"];

    /// <summary>The graph of the ONNX file at <paramref name="path"/>.</summary>
    public static LayerGraph Load(string path)
    {
        if (!File.Exists(path)) throw new AscaiException($"{path}: no such file");
        return Import(File.ReadAllBytes(path), path);
    }

    /// <summary>The graph of ONNX bytes (<paramref name="source"/> names them in errors).</summary>
    public static LayerGraph Import(byte[] bytes, string source = "ONNX model") => Read(bytes, source).Graph;

    /// <summary>
    /// The graph of ONNX bytes, how the model is called (its input and output names, batch axes and opset) and its
    /// metadata (<paramref name="source"/> names them in errors). The caller disposes the graph.
    /// </summary>
    public static (LayerGraph Graph, OnnxInterface Interface, IReadOnlyDictionary<string, string> Metadata) Read(byte[] bytes, string source = "ONNX model")
    {
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e) { throw new AscaiException($"{source}: not an ONNX model, or a truncated one ({e.Message.Split('\n')[0]})"); }
        if (model.Graph is null || model.Graph.Node.Count == 0 || model.Graph.Output.Count == 0)
            throw new AscaiException($"{source}: not an ONNX model (no graph)");
        // Scoring the first of several outputs (a feature vector, say) would give a meaningless accuracy without a word.
        if (model.Graph.Output.Count > 1)
            throw new AscaiException($"{source}: the model has {model.Graph.Output.Count} outputs ({string.Join(", ", model.Graph.Output.Select(o => $"'{o.Name}'"))}): " +
                "Ascai compresses classifiers with one output, the class scores; export it returning only those (torch.onnx.export with one output name)");
        long opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        if (opset is < 7 or > 21) throw new AscaiException($"{source}: opset {opset} is not supported (7-21; PyTorch exports 11-17)");
        OnnxFusion.Fuse(model.Graph);
        var builder = new Builder(model.Graph, source);
        LayerGraph graph;
        try { graph = Named(builder.Build, source); }
        catch { builder.Graph.Dispose(); throw; }
        static string? Batch(ValueInfoProto value) => value.Type?.TensorType?.Shape?.Dim.FirstOrDefault() is { DimParam: { Length: > 0 } name } ? name : null;
        var input = model.Graph.Input.First(i => !model.Graph.Initializer.Any(t => t.Name == i.Name));
        var output = model.Graph.Output[0];
        var metadata = new Dictionary<string, string>();
        foreach (var entry in model.MetadataProps) metadata[entry.Key] = entry.Value;
        return (graph, new OnnxInterface(input.Name, output.Name, Batch(input), Batch(output), (int)opset), metadata);
    }

    private sealed class Builder(GraphProto onnx, string source)
    {
        public LayerGraph Graph { get; } = new();
        private readonly Dictionary<string, Tensor> _constants = onnx.Initializer.ToDictionary(t => t.Name, t => Named(() => ToTensor(t), source));
        private readonly Dictionary<string, string> _alias = new();   // ONNX tensor name -> graph node name
        private readonly Dictionary<string, Shape> _shapes = new();
        private readonly HashSet<string> _names = [];
        private readonly Dictionary<string, int[]> _pads = new();   // a zero Pad's output -> (pad H, pad W), folded into the conv that reads it
        // A channel shuffle in the making: Reshape to (N, g, C/g, H, W) -> (input, g, false); its Transpose(0, 2, 1, 3, 4) -> (input, g, true).
        private readonly Dictionary<string, (string Input, int Groups, bool Transposed)> _shuffles = new();
        // A channels-last view (the permute ConvNeXt writes before a LayerNorm or a Linear) -> the graph node it permutes:
        // no node of its own; what reads it is mapped back to channels first.
        private readonly Dictionary<string, string> _channelsLast = new();

        public LayerGraph Build()
        {
            using var scope = NewDisposeScope();
            var input = onnx.Input.FirstOrDefault(i => !_constants.ContainsKey(i.Name)) ?? throw new AscaiException($"{source}: the graph has no input");
            var dims = input.Type?.TensorType?.Shape?.Dim.Select(d => d.HasDimValue ? d.DimValue : -1).ToArray() ?? [];
            if (dims.Length != 4 || dims[1..].Any(d => d < 1))
                throw new AscaiException($"{source}: input '{input.Name}' must be an image batch N x C x H x W with fixed C, H, W (got [{string.Join(", ", dims)}])");
            var inputNode = new InputNode { Name = Unique("input"), Shape = dims[1..].Select(d => (int)d).ToArray() };
            Add(input.Name, inputNode);
            foreach (var node in onnx.Node) Convert(node);
            string output = onnx.Output[0].Name;
            Graph.Output = _alias.TryGetValue(output, out var o) ? o : throw new AscaiException($"{source}: output '{output}' is not computed by the supported ops");
            if (_shapes[Graph.Output].Rank != 1)
                throw new AscaiException($"{source}: output '{output}' is {_shapes[Graph.Output]} per image, not a vector of class scores (flatten it before the export)");
            Graph.Validate();
            return Graph;
        }

        private void Convert(NodeProto node)
        {
            string where = $"{source}: node '{(node.Name == "" ? node.Output.FirstOrDefault() : node.Name)}' ({node.OpType})";
            string name = Unique(node.Name != "" ? node.Name : $"{node.OpType}_{Graph.Nodes.Count}");
            string X(int i = 0) =>
                _pads.ContainsKey(node.Input[i]) && node.OpType is not ("Conv" or "AveragePool") ? throw new AscaiException($"{where}: a Pad is supported only when a Conv or an AveragePool reads it")
                : _alias.TryGetValue(node.Input[i], out var a) ? a : throw new AscaiException($"{where}: input '{node.Input[i]}' is not computed by a supported op");
            Tensor C(int i) => _constants.TryGetValue(node.Input[i], out var c) ? c : throw new AscaiException($"{where}: input {i} ('{node.Input[i]}') must be a constant");
            long[] Longs(int i) => C(i).to_type(ScalarType.Int64).data<long>().ToArray();
            bool IsConstant(int i) => i < node.Input.Count && node.Input[i] != "" && _constants.ContainsKey(node.Input[i]);
            string? View(int i) => i < node.Input.Count && _channelsLast.TryGetValue(node.Input[i], out var v) ? v : null;
            long Int(string attribute, long fallback) => node.Attribute.FirstOrDefault(a => a.Name == attribute) is { } a ? a.I : fallback;
            float Float(string attribute, float fallback) => node.Attribute.FirstOrDefault(a => a.Name == attribute) is { } a ? a.F : fallback;
            int[]? Ints(string attribute) => node.Attribute.FirstOrDefault(a => a.Name == attribute)?.Ints.Select(v => (int)v).ToArray();
            string Str(string attribute) => node.Attribute.FirstOrDefault(a => a.Name == attribute)?.S.ToStringUtf8() ?? "NOTSET";
            int[] Pads(int[] kernel, int[] stride, int[] dilation, Shape input)
            {
                string autoPad = Str("auto_pad");
                if (autoPad is "SAME_UPPER" or "SAME_LOWER")
                {
                    // Symmetric only when the total padding is even.
                    var total = Enumerable.Range(0, 2).Select(a =>
                    {
                        int size = a == 0 ? input.Height : input.Width, outSize = (size + stride[a] - 1) / stride[a];
                        return Math.Max(0, (outSize - 1) * stride[a] + dilation[a] * (kernel[a] - 1) + 1 - size);
                    }).ToArray();
                    if (total.Any(t => t % 2 != 0)) throw new AscaiException($"{where}: asymmetric {autoPad} padding is not supported");
                    return [total[0] / 2, total[1] / 2];
                }
                if (autoPad == "VALID") return [0, 0];
                var pads = Ints("pads") ?? [0, 0, 0, 0];
                if (pads.Length != 4 || pads[0] != pads[2] || pads[1] != pads[3])
                    throw new AscaiException($"{where}: only symmetric 2-D pads are supported, got [{string.Join(", ", pads)}]");
                return [pads[0], pads[1]];
            }

            if (Foldable.Contains(node.OpType) && node.Input.Count > 0 && node.Input.All(i => i == "" || _constants.ContainsKey(i)))
            {
                _constants[node.Output[0]] = ShapeArithmetic.Fold(node, i => C(i), where);
                return;
            }
            switch (node.OpType)
            {
                case "Shape":
                {
                    // The batch is unknown when the graph is read; 0 is what Reshape reads as "keep the batch".
                    var shape = _shapes[X()];
                    long[] dims = [0, .. shape.Dims.Select(d => (long)d)];
                    int start = (int)Int("start", 0), end = (int)Int("end", dims.Length);
                    if (start < 0) start += dims.Length;
                    if (end < 0) end += dims.Length;
                    _constants[node.Output[0]] = tensor(dims[Math.Clamp(start, 0, dims.Length)..Math.Clamp(end, 0, dims.Length)]);
                    return;
                }
                case "Pad":
                {
                    string mode = Str("mode");
                    long[] pads = IsConstant(1) ? Longs(1) : (Ints("pads") ?? []).Select(v => (long)v).ToArray();
                    bool zero = !IsConstant(2) || C(2).numel() == 0 || C(2).item<float>() == 0;
                    if (mode is not ("constant" or "NOTSET") || !zero || pads.Length != 8 || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0
                        || pads[2] != pads[6] || pads[3] != pads[7] || pads.Any(p => p < 0))
                        throw new AscaiException($"{where}: only a symmetric zero Pad of H and W is supported, got mode {mode}, pads [{string.Join(", ", pads)}]");
                    _alias[node.Output[0]] = X();
                    if (pads.Any(p => p != 0)) _pads[node.Output[0]] = [(int)pads[2], (int)pads[3]];
                    return;
                }
                case "ReduceMean":
                {
                    var axes = (Ints("axes") ?? (IsConstant(1) ? C(1).to_type(ScalarType.Int64).data<long>().Select(v => (int)v).ToArray() : null))?
                        .Select(a => a < 0 ? a + 4 : a).Order().ToArray();
                    if (axes is not [2, 3]) throw new AscaiException($"{where}: ReduceMean is supported over H and W only (global average pooling), got axes [{string.Join(", ", axes ?? [])}]");
                    var pool = new GlobalAvgPoolNode { Name = name, Inputs = [X()] };
                    if (Int("keepdims", 1) != 0) { Add(node.Output[0], pool); return; }
                    Graph.Add(pool);
                    _shapes[pool.Name] = pool.InferShape([_shapes[X()]]);
                    Add(node.Output[0], new FlattenNode { Name = Unique(name + "_flatten"), Inputs = [pool.Name] });
                    return;
                }
                case "Softmax" when node.Output[0] == onnx.Output[0].Name:
                {
                    int axis = (int)Int("axis", -1);
                    if (axis is not (1 or -1) || _shapes[X()].Rank != 1) throw new AscaiException($"{where}: only a Softmax over the classes is supported");
                    Add(node.Output[0], new ActivationNode { Name = name, Inputs = [X()], Function = ActivationFunction.Softmax });
                    return;
                }
                case "Constant":
                    var value = node.Attribute.FirstOrDefault(a => a.Name == "value")?.T ?? throw new AscaiException($"{where}: only tensor constants are supported");
                    _constants[node.Output[0]] = ToTensor(value);
                    return;
                case "Identity" or "Dropout":
                    if (IsConstant(0)) { _constants[node.Output[0]] = C(0); return; }
                    _alias[node.Output[0]] = X();
                    return;
                case "Conv":
                {
                    var w = C(1);
                    if (w.dim() != 4) throw new AscaiException($"{where}: only 2-D convolutions are supported");
                    int[] padded = _pads.GetValueOrDefault(node.Input[0], [0, 0]);
                    int groups = (int)Int("group", 1);
                    int[] kernel = [(int)w.shape[2], (int)w.shape[3]], stride = Ints("strides") ?? [1, 1], dilation = Ints("dilations") ?? [1, 1];
                    if (groups < 1 || stride is not [> 0, > 0] || dilation is not [> 0, > 0] || w.shape.Any(d => d < 1))
                        throw new AscaiException($"{where}: group {groups}, strides [{string.Join(", ", stride)}], dilations [{string.Join(", ", dilation)}] and weight [{string.Join(", ", w.shape)}] do not make a convolution");
                    var conv = new Conv2dNode
                    {
                        Name = name, Inputs = [X()], InChannels = (int)w.shape[1] * groups, OutChannels = (int)w.shape[0], Kernel = kernel, Stride = stride,
                        Padding = Pads(kernel, stride, dilation, _shapes[X()]).Zip(padded, (p, q) => p + q).ToArray(), Dilation = dilation, Groups = groups, HasBias = IsConstant(2),
                    };
                    conv.SetTensor("weight", w);
                    if (conv.HasBias) conv.SetTensor("bias", C(2));
                    Add(node.Output[0], conv);
                    return;
                }
                case "Gemm":
                {
                    if (Int("transA", 0) != 0 || Float("alpha", 1) != 1 || Float("beta", 1) != 1)
                        throw new AscaiException($"{where}: only Gemm with transA = 0, alpha = beta = 1 is supported");
                    var w = Int("transB", 0) != 0 ? C(1) : C(1).t();
                    bool bias = IsConstant(2);
                    if (bias && C(2).numel() != w.shape[0]) throw new AscaiException($"{where}: only a per-output bias is supported");
                    var linear = new LinearNode { Name = name, Inputs = [X()], InFeatures = (int)w.shape[1], OutFeatures = (int)w.shape[0], HasBias = bias };
                    linear.SetTensor("weight", w);
                    if (bias) linear.SetTensor("bias", C(2).reshape(-1));
                    Add(node.Output[0], linear);
                    return;
                }
                case "MatMul" when View(0) is { } positions && IsConstant(1) && C(1).dim() == 2:
                {
                    // A Linear applied at every position of a channels-last tensor is a 1x1 conv.
                    var w = C(1).t();
                    var conv = new Conv2dNode { Name = name, Inputs = [positions], InChannels = (int)w.shape[1], OutChannels = (int)w.shape[0], Kernel = [1, 1] };
                    conv.SetTensor("weight", w.reshape(w.shape[0], w.shape[1], 1, 1));
                    Add(node.Output[0], conv, channelsLast: true);
                    return;
                }
                case "MatMul":
                {
                    var w = C(1).t(); // x (N, in) @ W (in, out)
                    var linear = new LinearNode { Name = name, Inputs = [X()], InFeatures = (int)w.shape[1], OutFeatures = (int)w.shape[0], HasBias = false };
                    linear.SetTensor("weight", w);
                    Add(node.Output[0], linear);
                    return;
                }
                case "Transpose" when Ints("perm") is [0, 2, 3, 1] && _alias.TryGetValue(node.Input[0], out var first) && _shapes[first].Rank == 3:
                    _channelsLast[node.Output[0]] = first;
                    return;
                case "Transpose" when Ints("perm") is [0, 3, 1, 2] && View(0) is { } permuted:
                    _alias[node.Output[0]] = permuted;
                    return;
                case "LayerNormalization":
                {
                    string from = View(0) ?? X();
                    int axis = (int)Int("axis", -1), channels = _shapes[from].Channels;
                    if (!(View(0) is not null ? axis is -1 or 3 : _shapes[from].Rank == 1 && axis is -1 or 1))
                        throw new AscaiException($"{where}: LayerNormalization is supported over the channels only (the last axis of a channels-last tensor, or a flat input's features)");
                    var norm = new LayerNormNode { Name = name, Inputs = [from], Channels = channels, Epsilon = Float("epsilon", 1e-5f) };
                    norm.SetTensor("weight", IsConstant(1) ? C(1).reshape(-1) : ones(channels));
                    norm.SetTensor("bias", IsConstant(2) ? C(2).reshape(-1) : zeros(channels));
                    Add(node.Output[0], norm, channelsLast: View(0) is not null);
                    return;
                }
                case "Gelu":
                    Add(node.Output[0], new ActivationNode { Name = name, Inputs = [View(0) ?? X()], Function = ActivationFunction.Gelu }, channelsLast: View(0) is not null);
                    return;
                case "Add" when (IsConstant(0) || IsConstant(1)) && View(IsConstant(1) ? 0 : 1) is { } positions:
                {
                    // MatMul + Add(bias) on channels-last positions: the bias of the 1x1 conv the MatMul made.
                    var bias = C(IsConstant(1) ? 1 : 0);
                    if (Graph[positions] is not Conv2dNode { HasBias: false } conv || Graph.Consumers(positions).Any() || bias.numel() != conv.OutChannels)
                        throw new AscaiException($"{where}: adding a constant to a channels-last tensor is supported only as the bias of a MatMul");
                    var biased = conv.Resized(conv.InChannels, conv.OutChannels, hasBias: true);
                    biased.SetTensor("weight", conv.Parameters["weight"]);
                    biased.SetTensor("bias", bias.reshape(-1));
                    Graph.Replace(positions, [biased]);
                    _channelsLast[node.Output[0]] = positions;
                    return;
                }
                case "Add" when IsConstant(0) || IsConstant(1):
                {
                    // MatMul + Add(bias): the bias of the linear layer the MatMul made.
                    int c = IsConstant(1) ? 1 : 0;
                    string from = X(1 - c);
                    if (Graph[from] is not LinearNode { HasBias: false } l || Graph.Consumers(from).Any())
                        throw new AscaiException($"{where}: adding a constant is supported only as the bias of a MatMul");
                    var biased = l.Resized(l.InFeatures, l.OutFeatures, hasBias: true);
                    biased.SetTensor("weight", l.Parameters["weight"]);
                    biased.SetTensor("bias", C(c).reshape(-1));
                    Graph.Replace(from, [biased]);
                    _alias[node.Output[0]] = from;
                    return;
                }
                case "Add":
                    Add(node.Output[0], new AddNode { Name = name, Inputs = [X(0), X(1)] });
                    return;
                case "Relu" or "Sigmoid" or "HardSwish": // parameterless: the activation function bears the op's name
                    Add(node.Output[0], new ActivationNode { Name = name, Inputs = [X()], Function = Enum.Parse<ActivationFunction>(node.OpType) });
                    return;
                case "LeakyRelu":
                    Add(node.Output[0], new ActivationNode { Name = name, Inputs = [X()], Function = ActivationFunction.LeakyRelu, Alpha = Float("alpha", 0.01f) });
                    return;
                case "HardSigmoid":
                    Add(node.Output[0], new ActivationNode
                    {
                        Name = name, Inputs = [X()], Function = ActivationFunction.HardSigmoid, Alpha = Float("alpha", 0.2f), Beta = Float("beta", 0.5f),
                    });
                    return;
                case "Mul" when IsConstant(0) || IsConstant(1):
                {
                    // A per-channel 0/1 constant is a channel mask (how Ascai exports a masked, not compacted, model); other
                    // per-channel constants scale the channels (ConvNeXt's layer scale).
                    var c = C(IsConstant(1) ? 1 : 0);
                    int x = IsConstant(1) ? 0 : 1;
                    string from = View(x) ?? X(x);
                    int channels = _shapes[from].Channels;
                    bool perChannel = c.numel() == channels && (View(x) is not null
                        ? c.dim() == 1 || c.shape[^1] == channels
                        : c.dim() >= 2 && (c.dim() == _shapes[from].Rank ? c.shape[0] : c.shape[1]) == channels && (c.dim() == _shapes[from].Rank || c.shape[0] == 1));
                    if (!perChannel)
                        throw new AscaiException($"{where}: multiplying by a constant is supported only per channel (a mask or a scale)");
                    if (View(x) is null && !c.ne(0).logical_and(c.ne(1)).any().item<bool>())
                    {
                        var mask = new ChannelMaskNode { Name = name, Inputs = [from], Channels = channels };
                        mask.SetTensor("mask", c.reshape(-1));
                        Add(node.Output[0], mask);
                        return;
                    }
                    if (_shapes[from].Rank != 3) throw new AscaiException($"{where}: scaling the channels of a flat input is not supported");
                    var scale = new ChannelScaleNode { Name = name, Inputs = [from], Channels = channels };
                    scale.SetTensor("weight", c.reshape(-1));
                    Add(node.Output[0], scale, channelsLast: View(x) is not null);
                    return;
                }
                case "Mul":
                {
                    // x * sigmoid(x), the sigmoid read by nothing else: one SiLU activation (prunable like any activation).
                    foreach (var (a, b) in new[] { (X(0), X(1)), (X(1), X(0)) })
                        if (Graph[b] is ActivationNode { Function: ActivationFunction.Sigmoid } sigmoid && sigmoid.Inputs[0] == a && !Graph.Consumers(b).Any())
                        {
                            Graph.Replace(b, [new ActivationNode { Name = b, Inputs = [a], Function = ActivationFunction.Silu }]);
                            _alias[node.Output[0]] = b;
                            return;
                        }
                    // Broadcasting either way (PyTorch's squeeze-excite writes scale * x): the full tensor first.
                    var (left, right) = _shapes[X(0)].Elements >= _shapes[X(1)].Elements ? (X(0), X(1)) : (X(1), X(0));
                    Add(node.Output[0], new MulNode { Name = name, Inputs = [left, right] });
                    return;
                }
                case "Clip":
                {
                    float min = IsConstant(1) ? C(1).item<float>() : Float("min", float.MinValue), max = IsConstant(2) ? C(2).item<float>() : Float("max", float.MaxValue);
                    var function = (min, max) switch
                    {
                        (0, 6) => ActivationFunction.Relu6,
                        (0, float.MaxValue) => ActivationFunction.Relu,
                        _ => throw new AscaiException($"{where}: only Clip(0, 6) (ReLU6) and Clip(0) (ReLU) are supported, got Clip({min}, {max})"),
                    };
                    Add(node.Output[0], new ActivationNode { Name = name, Inputs = [X()], Function = function });
                    return;
                }
                case "BatchNormalization":
                {
                    var bn = new BatchNormNode { Name = name, Inputs = [X()], Channels = (int)C(1).numel(), Epsilon = Float("epsilon", 1e-5f) };
                    bn.SetTensor("weight", C(1));
                    bn.SetTensor("bias", C(2));
                    bn.SetTensor("running_mean", C(3));
                    bn.SetTensor("running_var", C(4));
                    Add(node.Output[0], bn);
                    return;
                }
                case "MaxPool" or "AveragePool":
                {
                    int[] kernel = Ints("kernel_shape") ?? throw new AscaiException($"{where}: kernel_shape is required");
                    int[] stride = Ints("strides") ?? [1, 1];
                    if (kernel is not [> 0, > 0] || stride is not [> 0, > 0])
                        throw new AscaiException($"{where}: kernel [{string.Join(", ", kernel)}] and strides [{string.Join(", ", stride)}] do not make a 2-D pool");
                    var pads = Pads(kernel, stride, [1, 1], _shapes[X()]);
                    if (node.OpType == "AveragePool" && pads.Any(p => p > 0) && Int("count_include_pad", 0) == 0)
                        throw new AscaiException($"{where}: padded AveragePool is supported with count_include_pad = 1 only");
                    // A zero Pad before an average pool is the pool's own padding, zeros counted (as Ascai's pool counts them).
                    pads = pads.Zip(_pads.GetValueOrDefault(node.Input[0], [0, 0]), (p, q) => p + q).ToArray();
                    if ((Ints("dilations") ?? [1, 1]).Any(d => d != 1)) throw new AscaiException($"{where}: dilated pooling is not supported");
                    bool ceil = Int("ceil_mode", 0) != 0;
                    Pool2dNode pool = node.OpType == "MaxPool"
                        ? new MaxPoolNode { Name = name, Inputs = [X()], Kernel = kernel, Stride = stride, Padding = pads, CeilMode = ceil }
                        : new AvgPoolNode { Name = name, Inputs = [X()], Kernel = kernel, Stride = stride, Padding = pads, CeilMode = ceil };
                    Add(node.Output[0], pool);
                    return;
                }
                case "GlobalAveragePool":
                    Add(node.Output[0], new GlobalAvgPoolNode { Name = name, Inputs = [X()] });
                    return;
                case "Concat":
                    if (Int("axis", 1) != 1) throw new AscaiException($"{where}: only channel concatenation (axis 1) is supported");
                    Add(node.Output[0], new ConcatNode { Name = name, Inputs = node.Input.Select((_, i) => X(i)).ToArray() });
                    return;
                case "Flatten":
                    if (Int("axis", 1) != 1) throw new AscaiException($"{where}: only Flatten(axis = 1) is supported");
                    Add(node.Output[0], new FlattenNode { Name = name, Inputs = [X()] });
                    return;
                case "Reshape" when _shuffles.TryGetValue(node.Input[0], out var pending):
                {
                    var shape = Longs(1);
                    var full = _shapes[pending.Input];
                    bool back = pending.Transposed && shape.Length == 4 && shape[0] is 0 or -1 or 1 && (shape[1] == full.Channels || shape[1] == -1)
                        && shape[2] == full.Height && shape[3] == full.Width;
                    if (!back) throw new AscaiException($"{where}: a grouped view of the channels is supported only as a channel shuffle (view, transpose(1, 2), view back)");
                    Add(node.Output[0], new ChannelShuffleNode { Name = name, Inputs = [pending.Input], Groups = pending.Groups });
                    return;
                }
                case "Transpose" when _shuffles.TryGetValue(node.Input[0], out var pending):
                    if (Ints("perm") is not [0, 2, 1, 3, 4] || pending.Transposed)
                        throw new AscaiException($"{where}: a grouped view of the channels is supported only as a channel shuffle (view, transpose(1, 2), view back)");
                    _shuffles[node.Output[0]] = pending with { Transposed = true };
                    return;
                case "Reshape" when C(1).numel() == 5:
                {
                    // view(N, g, C/g, H, W): the first step of a channel shuffle.
                    var shape = Longs(1);
                    var input = _shapes[X()];
                    if (input.Rank != 3 || shape[0] is not (0 or -1 or 1) || shape[1] < 1 || shape[1] * shape[2] != input.Channels || shape[3] != input.Height || shape[4] != input.Width)
                        throw new AscaiException($"{where}: a Reshape to [{string.Join(", ", shape)}] is supported only as the first step of a channel shuffle");
                    _shuffles[node.Output[0]] = (X(), (int)shape[1], false);
                    return;
                }
                case "Gather" when IsConstant(1) && Int("axis", 0) is 1 or -3 && _shapes[X()].Rank == 3:
                {
                    // x[:, indices]: channels in another order (how Ascai exports a compacted channel shuffle).
                    int channels = _shapes[X()].Channels;
                    var indices = Longs(1).Select(i => (int)(i < 0 ? i + channels : i)).ToArray();
                    Add(node.Output[0], new ChannelGatherNode { Name = name, Inputs = [X()], Indices = indices });
                    return;
                }
                case "Slice":
                {
                    // x[:, a:b] on a graph tensor, e.g. ShuffleNetV2's chunk: channels only, step 1.
                    var input = _shapes[X()];
                    long[] starts = Longs(1), ends = Longs(2), axes = IsConstant(3) ? Longs(3) : [0], steps = IsConstant(4) ? Longs(4) : [1];
                    if (starts.Length != 1 || axes[0] is not (1 or -3) || steps[0] != 1)
                        throw new AscaiException($"{where}: only a Slice of the channel axis with step 1 is supported");
                    long Clamp(long v) => Math.Clamp(v < 0 ? v + input.Channels : v, 0, input.Channels);
                    Add(node.Output[0], new ChannelSliceNode { Name = name, Inputs = [X()], Start = (int)Clamp(starts[0]), End = (int)Clamp(ends[0]) });
                    return;
                }
                case "Reshape":
                {
                    var shape = Longs(1);
                    long elements = _shapes[X()].Elements;
                    if (shape.Length != 2 || shape[0] is not (-1 or 0 or 1) && shape[0] > 0 || shape[1] != -1 && shape[1] != elements)
                        throw new AscaiException($"{where}: only a Reshape to (N, -1) (a flatten) is supported, got [{string.Join(", ", shape)}]");
                    Add(node.Output[0], new FlattenNode { Name = name, Inputs = [X()] });
                    return;
                }
                default:
                    throw new AscaiException($"{where}: op {node.OpType} is not supported (supported: {string.Join(", ", SupportedOps)})");
            }
        }

        private void Add(string tensor, Node node, bool channelsLast = false)
        {
            Graph.Add(node);
            (channelsLast ? _channelsLast : _alias)[tensor] = node.Name;
            _shapes[node.Name] = node is InputNode i ? new Shape(i.Shape) : node.InferShape(node.Inputs.Select(n => _shapes[n]).ToList());
        }

        private string Unique(string name)
        {
            string candidate = name;
            for (int k = 2; !_names.Add(candidate); k++) candidate = $"{name}_{k}";
            return candidate;
        }
    }

    // Runs a step of reading a model: whatever a forged file makes fail below (a size that overflows, a shape TorchSharp
    // refuses) is one error naming the file, not a stack trace; Ascai's own errors gain the file's name when they lack it.
    private static T Named<T>(Func<T> read, string source)
    {
        try { return read(); }
        catch (AscaiException e) when (e.GetType() == typeof(AscaiException) && !e.Message.StartsWith(source + ":", StringComparison.Ordinal)) { throw new AscaiException($"{source}: {e.Message}"); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or OverflowException or IndexOutOfRangeException or DivideByZeroException
                                      or FormatException or KeyNotFoundException or OutOfMemoryException or System.Runtime.InteropServices.ExternalException)
        {
            throw new AscaiException($"{source}: a malformed model ({e.Message.Split('\n')[0]})");
        }
    }

    internal static Tensor ToTensor(TensorProto t)
    {
        long[] dims = [.. t.Dims];
        var type = (TensorProto.Types.DataType)t.DataType;
        // A forged or damaged file: sizes that cannot be, or fewer (or more) values than the sizes say.
        if (dims.Any(d => d < 0)) throw new AscaiException($"tensor '{t.Name}': negative size in [{string.Join(", ", dims)}]");
        double count = dims.Aggregate(1.0, (a, d) => a * d);
        long given = t.HasRawData && t.RawData.Length > 0
            ? t.RawData.Length / Math.Max(1, type switch { TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Int32 => 4, _ => 8 })
            : type switch
            {
                TensorProto.Types.DataType.Float => t.FloatData.Count, TensorProto.Types.DataType.Int64 => t.Int64Data.Count,
                TensorProto.Types.DataType.Int32 => t.Int32Data.Count, TensorProto.Types.DataType.Double => t.DoubleData.Count, _ => -1,
            };
        if (given >= 0 && count != given)
            throw new AscaiException($"tensor '{t.Name}': its sizes [{string.Join(", ", dims)}] make {count:G} values, its data holds {given}");
        if (t.HasRawData && t.RawData.Length > 0)
        {
            var raw = t.RawData.ToByteArray();
            return type switch
            {
                TensorProto.Types.DataType.Float => tensor(MemoryMarshalCast<float>(raw), dims),
                TensorProto.Types.DataType.Int64 => tensor(MemoryMarshalCast<long>(raw), dims),
                TensorProto.Types.DataType.Int32 => tensor(MemoryMarshalCast<int>(raw), dims),
                TensorProto.Types.DataType.Double => tensor(MemoryMarshalCast<double>(raw), dims).to_type(ScalarType.Float32),
                _ => throw new AscaiException($"tensor '{t.Name}': data type {type} is not supported"),
            };
        }
        return type switch
        {
            TensorProto.Types.DataType.Float => tensor(t.FloatData.ToArray(), dims),
            TensorProto.Types.DataType.Int64 => tensor(t.Int64Data.ToArray(), dims),
            TensorProto.Types.DataType.Int32 => tensor(t.Int32Data.ToArray(), dims),
            TensorProto.Types.DataType.Double => tensor(t.DoubleData.ToArray(), dims).to_type(ScalarType.Float32),
            _ => throw new AscaiException($"tensor '{t.Name}': data type {type} is not supported"),
        };
    }

    private static T[] MemoryMarshalCast<T>(byte[] bytes) where T : struct => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(bytes).ToArray();
}

using Ascai.Graph.Nodes;
using static TorchSharp.torch;

namespace Ascai.Graph;

/// <summary>
/// Builds a <see cref="LayerGraph"/> layer by layer with freshly initialised weights (He-normal convs, as
/// torchvision; PyTorch's default uniform for linear layers; batch-norm at identity). Each method returns the
/// new node's name so calls chain naturally; names are made unique with a running counter per prefix.
/// </summary>
public sealed class GraphBuilder
{
    private readonly Dictionary<string, int> _counters = new();
    private readonly Dictionary<string, Shape> _shapes = new();

    /// <summary>The graph being built.</summary>
    public LayerGraph Graph { get; } = new();

    /// <summary>Starts a graph with the given per-sample input shape; the input node is called "input".</summary>
    public GraphBuilder(Shape input)
    {
        Graph.Add(new InputNode { Name = "input", Shape = input.Dims });
        _shapes["input"] = input;
    }

    /// <summary>Output shape of a node built so far.</summary>
    public Shape ShapeOf(string name) => _shapes[name];

    /// <summary>A unique name from a prefix: "conv" gives conv1, conv2, ...</summary>
    public string Unique(string prefix) => $"{prefix}{(_counters[prefix] = _counters.GetValueOrDefault(prefix) + 1)}";

    /// <summary>Adds a node, infers its shape and initialises its tensors; returns its name.</summary>
    public string Add(Node node)
    {
        _shapes[node.Name] = node.InferShape(node.Inputs.Select(i => _shapes[i]).ToArray());
        Graph.Add(node);
        Initialize(node);
        return node.Name;
    }

    /// <summary>Conv2d with square kernel; padding defaults to "same" for odd kernels at stride 1.</summary>
    public string Conv(string x, int outChannels, int kernel, int stride = 1, int? padding = null, int groups = 1,
        bool bias = false, string? name = null)
    {
        int p = padding ?? kernel / 2;
        return Add(new Conv2dNode
        {
            Name = name ?? Unique("conv"), Inputs = [x], InChannels = _shapes[x].Channels, OutChannels = outChannels,
            Kernel = [kernel, kernel], Stride = [stride, stride], Padding = [p, p], Groups = groups, HasBias = bias,
        });
    }

    /// <summary>Batch normalisation of a node's output channels.</summary>
    public string BatchNorm(string x, string? name = null) =>
        Add(new BatchNormNode { Name = name ?? Unique("bn"), Inputs = [x], Channels = _shapes[x].Channels });

    /// <summary>ReLU (or ReLU6).</summary>
    public string Relu(string x, bool six = false, string? name = null) =>
        Add(new ActivationNode { Name = name ?? Unique("relu"), Inputs = [x], Function = six ? ActivationFunction.Relu6 : ActivationFunction.Relu });

    /// <summary>Conv, batch-norm, ReLU: the common block. Returns the ReLU's name.</summary>
    public string ConvBnRelu(string x, int outChannels, int kernel, int stride = 1, int groups = 1, bool relu6 = false) =>
        Relu(BatchNorm(Conv(x, outChannels, kernel, stride, groups: groups)), relu6);

    /// <summary>Max pooling.</summary>
    public string MaxPool(string x, int kernel, int? stride = null, int padding = 0) =>
        Add(new MaxPoolNode { Name = Unique("maxpool"), Inputs = [x], Kernel = [kernel, kernel], Stride = [stride ?? kernel, stride ?? kernel], Padding = [padding, padding] });

    /// <summary>Average pooling.</summary>
    public string AvgPool(string x, int kernel, int? stride = null) =>
        Add(new AvgPoolNode { Name = Unique("avgpool"), Inputs = [x], Kernel = [kernel, kernel], Stride = [stride ?? kernel, stride ?? kernel] });

    /// <summary>Global average pooling to (C, 1, 1).</summary>
    public string GlobalAvgPool(string x) => Add(new GlobalAvgPoolNode { Name = Unique("gap"), Inputs = [x] });

    /// <summary>Flatten to (F).</summary>
    public string Flatten(string x) => Add(new FlattenNode { Name = Unique("flatten"), Inputs = [x] });

    /// <summary>Dropout.</summary>
    public string Dropout(string x, double p) => Add(new DropoutNode { Name = Unique("dropout"), Inputs = [x], Probability = p });

    /// <summary>Fully connected layer.</summary>
    public string Linear(string x, int outFeatures, bool bias = true, string? name = null) =>
        Add(new LinearNode { Name = name ?? Unique("fc"), Inputs = [x], InFeatures = (int)_shapes[x].Elements, OutFeatures = outFeatures, HasBias = bias });

    /// <summary>Element-wise sum.</summary>
    public string Sum(params string[] xs) => Add(new AddNode { Name = Unique("add"), Inputs = xs });

    /// <summary>Channel concatenation.</summary>
    public string Concat(params string[] xs) => Add(new ConcatNode { Name = Unique("concat"), Inputs = xs });

    /// <summary>Finishes the graph with the given output node.</summary>
    public LayerGraph Build(string output)
    {
        Graph.Output = output;
        Graph.Validate();
        return Graph;
    }

    private static void Initialize(Node node)
    {
        using var scope = NewDisposeScope();
        foreach (var (name, shape, _) in node.TensorSpecs())
            node.SetTensor(name, InitialValue(node, name, shape));
    }

    private static Tensor InitialValue(Node node, string tensor, long[] shape) => (node, tensor) switch
    {
        (Conv2dNode c, "weight") => randn(shape) * Math.Sqrt(2.0 / (c.OutChannels / c.Groups * c.Kernel[0] * c.Kernel[1])),
        (LinearNode l, _) => (rand(shape) * 2 - 1) / Math.Sqrt(l.InFeatures),
        (BatchNormNode, "weight" or "running_var") => ones(shape),
        (ChannelMaskNode, "mask") => ones(shape),
        _ => zeros(shape),
    };
}

using Ascai.Graph.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ascai.Graph;

/// <summary>
/// A model as a DAG of typed nodes with their weights. Nodes are kept in insertion order, which is a topological
/// order because a node may only consume nodes added before it. The graph owns every node's tensors.
/// </summary>
public sealed class LayerGraph : IDisposable
{
    private readonly List<Node> _nodes = [];
    private readonly Dictionary<string, Node> _byName = new(StringComparer.Ordinal);
    private int[]? _lastUse;

    /// <summary>Nodes in topological order; the first is the <see cref="InputNode"/>.</summary>
    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>Name of the node whose output is the model's output (the logits).</summary>
    public string Output { get; set; } = "";

    /// <summary>The input node.</summary>
    public InputNode Input => _nodes.Count > 0 && _nodes[0] is InputNode i ? i : throw new AscaiException("the graph has no input node");

    /// <summary>Per-sample input shape.</summary>
    public Shape InputShape => new(Input.Shape);

    /// <summary>A node by name.</summary>
    public Node this[string name] => _byName.TryGetValue(name, out var n) ? n : throw new AscaiException($"no node named '{name}'");

    /// <summary>Whether a node of that name exists.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Appends a node whose inputs are already in the graph; the first node must be the input.</summary>
    public T Add<T>(T node) where T : Node
    {
        if (_byName.ContainsKey(node.Name)) throw new AscaiException($"duplicate node name '{node.Name}'");
        if ((_nodes.Count == 0) != (node is InputNode))
            throw new AscaiException(node is InputNode ? "a graph has one input node, first" : $"node '{node.Name}' added before the input node");
        foreach (string input in node.Inputs)
            if (!_byName.ContainsKey(input))
                throw new AscaiException($"node '{node.Name}' consumes '{input}', which is not defined before it");
        _nodes.Add(node);
        _byName[node.Name] = node;
        _lastUse = null;
        return node;
    }

    /// <summary>Nodes that consume the output of <paramref name="name"/>.</summary>
    public IEnumerable<Node> Consumers(string name) => _nodes.Where(n => n.Inputs.Contains(name));

    /// <summary>Output shape of every node; throws <see cref="AscaiException"/> naming the first node that does not fit.</summary>
    public IReadOnlyDictionary<string, Shape> InferShapes()
    {
        var shapes = new Dictionary<string, Shape>(StringComparer.Ordinal);
        foreach (var node in _nodes)
            shapes[node.Name] = node.InferShape(node.Inputs.Select(i => shapes[i]).ToArray());
        if (!shapes.ContainsKey(Output)) throw new AscaiException($"the graph's output '{Output}' is not a node");
        return shapes;
    }

    /// <summary>Checks structure, shapes and tensors; throws <see cref="AscaiException"/> on the first problem.</summary>
    public void Validate()
    {
        _ = Input;
        InferShapes();
        foreach (var node in _nodes) node.ValidateTensors();
    }

    /// <summary>
    /// Runs a batch through the graph (N, C, H, W) and returns the output. Intermediate results are disposed as
    /// soon as their last consumer has run, which keeps peak memory near the widest layer's.
    /// </summary>
    public Tensor Forward(Tensor input, bool training = false)
    {
        _lastUse ??= ComputeLastUse();
        var values = new Tensor?[_nodes.Count];
        values[0] = input;
        var index = _nodes.Select((n, i) => (n.Name, i)).ToDictionary(p => p.Name, p => p.i);
        int output = index[Output];
        for (int i = 1; i < _nodes.Count; i++)
        {
            var node = _nodes[i];
            var args = new Tensor[node.Inputs.Length];
            for (int a = 0; a < args.Length; a++) args[a] = values[index[node.Inputs[a]]]!;
            values[i] = node.Forward(args, training);
            foreach (string used in node.Inputs.Distinct())
            {
                int u = index[used];
                if (u != 0 && u != output && _lastUse[u] == i) { values[u]!.Dispose(); values[u] = null; }
            }
        }
        for (int i = 1; i < values.Length; i++)
            if (i != output) values[i]?.Dispose();
        return values[output]!;
    }

    private int[] ComputeLastUse()
    {
        var index = _nodes.Select((n, i) => (n.Name, i)).ToDictionary(p => p.Name, p => p.i);
        var last = new int[_nodes.Count];
        for (int i = 0; i < _nodes.Count; i++)
            foreach (string input in _nodes[i].Inputs) last[index[input]] = i;
        return last;
    }

    /// <summary>All trainable tensors, for an optimizer.</summary>
    public IEnumerable<Parameter> Parameters() => _nodes.SelectMany(n => n.Parameters.Values);

    /// <summary>Total trainable parameter count.</summary>
    public long ParameterCount => _nodes.Sum(n => n.ParameterCount);

    /// <summary>Disposes every node's tensors.</summary>
    public void Dispose()
    {
        foreach (var node in _nodes) node.Dispose();
    }
}

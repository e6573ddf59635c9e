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
    // Execution plan derived from the node list (position by name, last consumer of each node); rebuilt after edits.
    private (Dictionary<string, int> Index, int[] LastUse)? _plan;
    // The channel analysis of the current structure (ChannelDependencies.Of); dropped with the plan after every edit.
    private ChannelDependencies? _channels;

    internal ChannelDependencies? ChannelCache { get => _channels; set => _channels = value; }

    private void Changed()
    {
        _plan = null;
        _channels = null;
    }

    /// <summary>Nodes in topological order; the first is the <see cref="InputNode"/>.</summary>
    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>Name of the node whose output is the model's output (the logits).</summary>
    public string Output
    {
        get => _output;
        set
        {
            _output = value;
            Changed();
        }
    }
    private string _output = "";

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
        Changed();
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
    /// The first tensor (as "node.tensor") holding a NaN or an infinity, or null when every value is finite: such a
    /// model's outputs are not numbers, and nothing measured on it is a result.
    /// </summary>
    public string? FirstNonFiniteTensor()
    {
        using var scope = NewDisposeScope();
        foreach (var node in _nodes)
            foreach (var (name, value) in node.AllTensors().OrderBy(t => t.Name, StringComparer.Ordinal))
                if (value.is_floating_point() && !value.isfinite().all().item<bool>()) return $"{node.Name}.{name}";
        return null;
    }

    /// <summary>
    /// The class scores before a Softmax that ends the graph (an imported classifier may end in one), else the output:
    /// what cross-entropy, distillation and Taylor importance need. Same ranking, so the same accuracy.
    /// </summary>
    public Tensor Logits(Tensor input, bool training = false)
    {
        if (this[Output] is not Ascai.Graph.Nodes.ActivationNode { Function: Ascai.Graph.Nodes.ActivationFunction.Softmax } softmax) return Forward(input, training);
        Tensor? logits = null;
        using var probabilities = Forward(input, training, (name, value) => { if (name == softmax.Inputs[0]) logits = value.clone(); });
        return logits!;
    }

    /// <summary>
    /// Runs a batch through the graph (N, C, H, W) and returns the output. Intermediate results are disposed as
    /// soon as their last consumer has run, which keeps peak memory near the widest layer's.
    /// <paramref name="observe"/>, when given, sees every node's output (by node name) before it can be disposed.
    /// </summary>
    public Tensor Forward(Tensor input, bool training = false, Action<string, Tensor>? observe = null)
    {
        var (index, lastUse) = _plan ??= Plan();
        var values = new Tensor?[_nodes.Count];
        values[0] = input;
        int output = index[Output];
        for (int i = 1; i < _nodes.Count; i++)
        {
            var node = _nodes[i];
            var args = new Tensor[node.Inputs.Length];
            for (int a = 0; a < args.Length; a++) args[a] = values[index[node.Inputs[a]]]!;
            values[i] = node.Forward(args, training);
            observe?.Invoke(node.Name, values[i]!);
            foreach (string used in node.Inputs.Distinct())
            {
                int u = index[used];
                if (u != 0 && u != output && lastUse[u] == i) { values[u]!.Dispose(); values[u] = null; }
            }
        }
        for (int i = 1; i < values.Length; i++)
            if (i != output) values[i]?.Dispose();
        return values[output]!;
    }

    private (Dictionary<string, int>, int[]) Plan()
    {
        var index = _nodes.Select((n, i) => (n.Name, i)).ToDictionary(p => p.Name, p => p.i);
        var last = new int[_nodes.Count];
        for (int i = 0; i < _nodes.Count; i++)
            foreach (string input in _nodes[i].Inputs) last[index[input]] = i;
        return (index, last);
    }

    /// <summary>
    /// Replaces node <paramref name="name"/> by <paramref name="replacement"/> (already wired to earlier nodes, in
    /// topological order); the last replacement node's output stands for the old node's output from then on.
    /// The old node's tensors are disposed.
    /// </summary>
    public void Replace(string name, IReadOnlyList<Node> replacement)
    {
        var old = this[name];
        if (old is InputNode) throw new AscaiException("the input node cannot be replaced");
        if (replacement.Count == 0) throw new ArgumentException("empty replacement", nameof(replacement));
        int at = _nodes.IndexOf(old);
        _nodes.RemoveAt(at);
        _byName.Remove(name);
        foreach (var node in replacement)
        {
            if (_byName.ContainsKey(node.Name)) throw new AscaiException($"duplicate node name '{node.Name}'");
            if (node.Inputs.Any(i => !_byName.ContainsKey(i) || _nodes.IndexOf(_byName[i]) >= at))
                throw new AscaiException($"replacement node '{node.Name}' consumes a node not defined before it");
            _nodes.Insert(at++, node);
            _byName[node.Name] = node;
        }
        Rewire(name, replacement[^1].Name, from: at);
        if (!ReferenceEquals(old, replacement[^1]) && !replacement.Contains(old)) old.Dispose();
        Changed();
    }

    /// <summary>Inserts a single-input node consuming <paramref name="after"/>; every other consumer of <paramref name="after"/> now consumes it.</summary>
    public T InsertAfter<T>(string after, T node) where T : Node
    {
        if (node.Inputs is not [var input] || input != after) throw new ArgumentException($"node must consume exactly '{after}'", nameof(node));
        if (_byName.ContainsKey(node.Name)) throw new AscaiException($"duplicate node name '{node.Name}'");
        int at = _nodes.IndexOf(this[after]) + 1;
        _nodes.Insert(at, node);
        _byName[node.Name] = node;
        Rewire(after, node.Name, from: at + 1);
        Changed();
        return node;
    }

    /// <summary>Removes a single-input node; its consumers consume its input instead. Its tensors are disposed.</summary>
    public void Bypass(string name)
    {
        var node = this[name];
        if (node.Inputs is not [var input]) throw new AscaiException($"node '{name}' has {node.Inputs.Length} inputs and cannot be bypassed");
        int at = _nodes.IndexOf(node);
        _nodes.RemoveAt(at);
        _byName.Remove(name);
        Rewire(name, input, from: at);
        node.Dispose();
        Changed();
    }

    private void Rewire(string oldName, string newName, int from)
    {
        for (int i = from; i < _nodes.Count; i++)
        {
            var inputs = _nodes[i].Inputs;
            for (int k = 0; k < inputs.Length; k++)
                if (inputs[k] == oldName) inputs[k] = newName;
        }
        if (Output == oldName) Output = newName;
    }

    /// <summary>A deep copy: same nodes and attributes, copies of every tensor.</summary>
    public LayerGraph Clone()
    {
        var copy = new LayerGraph();
        foreach (var node in _nodes)
        {
            var clone = NodeCloner.Clone(node);
            copy.Add(clone);
        }
        copy.Output = Output;
        return copy;
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

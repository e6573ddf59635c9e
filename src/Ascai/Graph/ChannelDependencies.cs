using Ascai.Graph.Nodes;

namespace Ascai.Graph;

/// <summary>
/// Which channels of a graph go together (the dependency graph of Torch-Pruning). Every channel of every tensor is
/// traced to the channel it is, through the relations the node kinds declare (<see cref="Node.LinkChannels"/>): a
/// per-channel node passes channel i on, a sum ties channel i of all its inputs, a squeeze-and-excitation gate ties the
/// gate's channel i to the scaled channel i, a concatenation, slice or shuffle moves channels, a conv or linear layer
/// creates new ones. The channels that are the same channel are removed together, everywhere at once, and the
/// channels a layer creates (with everything tied to them) form one <see cref="ChannelGroup"/>: the unit channel
/// pruning sets one ratio for. Channels that reach the model's input or output, or an opaque node, are never removed.
/// </summary>
public sealed class ChannelDependencies
{
    private readonly LayerGraph _graph;
    private readonly Dictionary<string, int[]> _channels = new(StringComparer.Ordinal);   // tensor -> channel ids (roots)
    private readonly Dictionary<string, int> _spatial = new(StringComparer.Ordinal);      // tensor -> features per channel
    private readonly Dictionary<string, ChannelLinks> _links = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Node>> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<int, (ChannelGroup Group, int Index)> _member = new();
    private readonly Dictionary<ChannelGroup, IReadOnlyList<string>> _sites = new();

    /// <summary>Every group whose channels can be removed, in the order of their first layer.</summary>
    public IReadOnlyList<ChannelGroup> Groups { get; }

    /// <summary>The analysis of <paramref name="graph"/> as it is now (kept with the graph until its structure changes).</summary>
    public static ChannelDependencies Of(LayerGraph graph) => graph.ChannelCache ??= new ChannelDependencies(graph);

    private ChannelDependencies(LayerGraph graph)
    {
        _graph = graph;
        var shapes = graph.InferShapes();
        var parent = new List<int>();
        var blocked = new List<bool>();
        int Find(int c)
        {
            while (parent[c] != c) c = parent[c] = parent[parent[c]];
            return c;
        }
        void Union(int a, int b)
        {
            (a, b) = (Find(a), Find(b));
            if (a == b) return;
            parent[Math.Max(a, b)] = Math.Min(a, b);
            blocked[Math.Min(a, b)] |= blocked[Math.Max(a, b)];
        }
        int[] New(int count, bool isBlocked) => Enumerable.Range(0, count).Select(_ =>
        {
            parent.Add(parent.Count);
            blocked.Add(isBlocked);
            return parent.Count - 1;
        }).ToArray();
        void Block(IEnumerable<int> channels)
        {
            foreach (int c in channels) blocked[Find(c)] = true;
        }

        var sources = new List<(string Node, int[] Channels)>();
        var readers = new List<(string Node, int Input)>();
        var partitions = new List<int[][]>();
        var sums = new List<int[]>();
        foreach (var node in graph.Nodes)
        {
            _consumers[node.Name] = [];
            foreach (string input in node.Inputs.Distinct()) _consumers[input].Add(node);
            var inputShapes = node.Inputs.Select(i => shapes[i]).ToArray();
            var inputs = node.Inputs.Select(i => _channels[i]).ToArray();
            var spatial = node.Inputs.Select(i => _spatial[i]).ToArray();
            var links = new ChannelLinks(inputShapes, shapes[node.Name]);
            node.LinkChannels(links);
            _links[node.Name] = links;
            int outChannels = shapes[node.Name].Dims[0], outSpatial = 1;
            int[]? output = links.How switch
            {
                ChannelLinks.Relation.Fresh => New(outChannels, false),
                // A per-channel relation holds when the output has the input's features (a flat input keeps its H*W per channel).
                ChannelLinks.Relation.Same or ChannelLinks.Relation.Sum or ChannelLinks.Relation.Scale
                    when inputs[links.From].Length * spatial[links.From] == outChannels => (int[])inputs[links.From].Clone(),
                ChannelLinks.Relation.Concat when spatial.All(s => s == 1) => inputs.SelectMany(c => c).ToArray(),
                ChannelLinks.Relation.Range when links.Start + outChannels <= inputs[links.From].Length => inputs[links.From][links.Start..(links.Start + outChannels)],
                ChannelLinks.Relation.Gather when links.Order!.All(i => i >= 0 && i < inputs[links.From].Length) => links.Order!.Select(i => inputs[links.From][i]).ToArray(),
                ChannelLinks.Relation.Flatten => (int[])inputs[links.From].Clone(),
                _ => null,
            };
            if (links.How is ChannelLinks.Relation.Same or ChannelLinks.Relation.Sum or ChannelLinks.Relation.Scale && output is not null) outSpatial = spatial[links.From];
            if (links.How == ChannelLinks.Relation.Flatten && output is not null)
                outSpatial = inputShapes[links.From].Rank == 3 ? inputShapes[links.From].Height * inputShapes[links.From].Width : spatial[links.From];
            if (links.How == ChannelLinks.Relation.Sum && output is not null)
            {
                if (inputs.Any(c => c.Length != output.Length) || spatial.Any(s => s != outSpatial)) output = null;
                else
                {
                    foreach (var other in inputs.Skip(1))
                        for (int i = 0; i < output.Length; i++) Union(output[i], other[i]);
                    sums.Add(output);
                }
            }
            if (links.How == ChannelLinks.Relation.Scale && output is not null)
            {
                // A gate of one value per channel ties its channels to the scaled ones; a gate shared by all channels keeps its own.
                var gate = inputs[links.Gate];
                if (gate.Length == output.Length) for (int i = 0; i < output.Length; i++) Union(output[i], gate[i]);
                else Block(gate);
            }
            if (output is null)
            {
                // Opaque (or a relation the shapes do not bear out): nothing it touches can be removed.
                Block(inputs.SelectMany(c => c));
                (output, outSpatial) = (New(outChannels, true), 1);
            }
            if (links.How == ChannelLinks.Relation.Fresh) sources.Add((node.Name, output));
            foreach (int input in links.ReadInputs) readers.Add((node.Name, input));
            if (links.Blocks > 1)
            {
                if (output.Length % links.Blocks != 0) Block(output);
                else partitions.Add(output.Chunk(output.Length / links.Blocks).ToArray());
            }
            _channels[node.Name] = output;
            _spatial[node.Name] = outSpatial;
        }
        Block(_channels[graph.Output]);

        foreach (var key in _channels.Keys.ToList()) _channels[key] = _channels[key].Select(Find).ToArray();
        Groups = BuildGroups(sources, readers, partitions, sums, Find, c => blocked[Find(c)]);
    }

    private List<ChannelGroup> BuildGroups(List<(string Node, int[] Channels)> sources, List<(string Node, int Input)> readers,
        List<int[][]> partitions, List<int[]> sums, Func<int, int> find, Func<int, bool> isBlocked)
    {
        // Groups: the channels a layer creates, joined with any other layer's that share one of them.
        var component = new Dictionary<int, int>();
        int Root(int c)
        {
            while (component.TryGetValue(c, out int p) && p != c) c = p;
            return c;
        }
        foreach (var (_, channels) in sources)
        {
            var roots = channels.Select(find).ToArray();
            foreach (int c in roots) component.TryAdd(c, c);
            for (int i = 1; i < roots.Length; i++)
            {
                int a = Root(roots[0]), b = Root(roots[i]);
                if (a != b) component[Math.Max(a, b)] = Math.Min(a, b);
            }
        }
        var members = new Dictionary<int, List<int>>();      // component -> channels, in the order their layers create them
        var seen = new HashSet<int>();
        var layers = new Dictionary<int, List<string>>();
        var order = new List<int>();
        foreach (var (node, channels) in sources)
        {
            int key = Root(find(channels[0]));
            if (!members.ContainsKey(key)) order.Add(key);
            var list = members.TryGetValue(key, out var l) ? l : members[key] = [];
            foreach (int c in channels.Select(find)) if (seen.Add(c)) list.Add(c);
            (layers.TryGetValue(key, out var n) ? n : layers[key] = []).Add(node);
        }
        var readersOf = new Dictionary<int, List<(string, int)>>();
        foreach (var (node, input) in readers)
            foreach (int key in _channels[_graph[node].Inputs[input]].Where(component.ContainsKey).Select(Root).Distinct())
                (readersOf.TryGetValue(key, out var r) ? r : readersOf[key] = []).Add((node, input));

        var groups = new List<ChannelGroup>();
        foreach (int key in order)
        {
            var channels = members[key];
            if (channels.Any(isBlocked) || !readersOf.ContainsKey(key)) continue;
            var set = channels.ToHashSet();
            int[]? blocks = null;
            bool consistent = true;
            foreach (var partition in partitions.Where(p => set.Contains(find(p[0][0]))))
            {
                var mine = channels.Select(c => Array.FindIndex(partition, b => b.Select(find).Contains(c))).ToArray();
                if (mine.Any(b => b < 0)) consistent = false; // a grouped conv that holds only part of the group
                else if (blocks is null) blocks = mine;
                else consistent &= SamePartition(blocks, mine);
            }
            if (!consistent) continue;
            bool residual = sums.Any(s => s.Select(find).Any(set.Contains));
            var group = new ChannelGroup(layers[key][0], layers[key], readersOf[key], channels.Count, blocks?.Max() + 1 ?? 1, blocks, residual);
            for (int i = 0; i < channels.Count; i++) _member[channels[i]] = (group, i);
            groups.Add(group);
        }
        return groups;
    }

    private static bool SamePartition(int[] a, int[] b)
    {
        var map = new Dictionary<int, int>();
        for (int i = 0; i < a.Length; i++)
            if (map.TryGetValue(a[i], out int m) ? m != b[i] : !map.TryAdd(a[i], b[i])) return false;
        return map.Values.Distinct().Count() == map.Count;
    }

    /// <summary>For each channel of <paramref name="tensor"/>, its group and index in it (null when it cannot be removed).</summary>
    public (ChannelGroup Group, int Index)?[] MembersOf(string tensor) =>
        _channels[tensor].Select(c => _member.TryGetValue(c, out var m) ? m : ((ChannelGroup, int)?)null).ToArray();

    /// <summary>Features each channel of <paramref name="tensor"/> holds: 1, or H*W after a flatten.</summary>
    public int SpatialOf(string tensor) => _spatial[tensor];

    /// <summary>The positions in <paramref name="tensor"/> of <paramref name="group"/>'s channels, with their index in the group.</summary>
    public (int Position, int Index)[] Positions(string tensor, ChannelGroup group) =>
        MembersOf(tensor).Select((m, p) => (m, p)).Where(x => x.m?.Group == group).Select(x => (x.p, x.m!.Value.Index)).ToArray();

    /// <summary>
    /// Where masks must sit so that <paramref name="group"/>'s pruned channels reach every layer that reads them as zero:
    /// walking back from each reader through nodes that keep a zero channel zero, to the last tensor that may not
    /// (a batch-norm, a conv, a biased depthwise conv), moved past the zero-keeping activations right after it. An
    /// existing mask on the way is used. Tensor names, in graph order.
    /// </summary>
    public IReadOnlyList<string> Sites(ChannelGroup group)
    {
        if (_sites.TryGetValue(group, out var known)) return known;
        var sites = new HashSet<string>(StringComparer.Ordinal);
        var visited = new HashSet<string>(StringComparer.Ordinal);
        void Visit(string tensor)
        {
            if (!visited.Add(tensor) || !_channels[tensor].Any(c => _member.TryGetValue(c, out var m) && m.Group == group)) return;
            var node = _graph[tensor];
            if (node is ChannelMaskNode) sites.Add(node.Inputs[0]);
            else if (_links[tensor].ZeroInputs is { Length: > 0 } zeroInputs) foreach (int i in zeroInputs) Visit(node.Inputs[i]);
            else sites.Add(Advance(tensor));
        }
        foreach (var (reader, input) in group.Readers) Visit(_graph[reader].Inputs[input]);
        var ordered = _graph.Nodes.Select(n => n.Name).Where(sites.Contains).ToList();
        _sites[group] = ordered;
        return ordered;
    }

    private string Advance(string tensor)
    {
        while (_consumers[tensor] is [var next] && next.Inputs.Length == 1 && _links[next.Name].MaskAfter && next.Name != _graph.Output)
            tensor = next.Name;
        return tensor;
    }

    /// <summary>The mask that sits on <paramref name="tensor"/> (consumes it, alone), if any.</summary>
    public ChannelMaskNode? MaskOn(string tensor) => _consumers[tensor] is [ChannelMaskNode mask] ? mask : null;

    /// <summary>
    /// Which channels of each group the graph's masks remove (true = removed), by group; throws when a mask removes a
    /// channel that cannot be removed, when masks disagree about a channel, or when a removed channel is read somewhere
    /// no mask zeroes it (then the compact model would not compute what the masked one does).
    /// </summary>
    public IReadOnlyDictionary<ChannelGroup, bool[]> Removed()
    {
        var removed = new Dictionary<ChannelGroup, bool[]>();
        var kept = new Dictionary<ChannelGroup, bool[]>();
        foreach (var mask in _graph.Nodes.OfType<ChannelMaskNode>())
        {
            var values = mask.Buffers["mask"].data<float>().ToArray();
            var members = MembersOf(mask.Name);
            for (int i = 0; i < values.Length; i++)
            {
                if (members[i] is not { } m)
                {
                    if (values[i] == 0) throw new AscaiException($"mask '{mask.Name}' sits where its channels cannot be removed");
                    continue;
                }
                var flags = values[i] == 0 ? removed : kept;
                (flags.TryGetValue(m.Group, out var f) ? f : flags[m.Group] = new bool[m.Group.Channels])[m.Index] = true;
            }
        }
        foreach (var (group, flags) in removed)
        {
            if (kept.TryGetValue(group, out var k) && flags.Zip(k).Any(p => p.First && p.Second))
                throw new AscaiException($"masks of layer '{group.Name}' disagree about which of its channels are removed");
            if (Sites(group).FirstOrDefault(s => MaskOn(s) is null && _graph[s] is not ChannelMaskNode) is { } bare)
                throw new AscaiException($"layer '{group.Name}': channels are removed but '{bare}' passes them on unmasked");
        }
        return removed;
    }
}

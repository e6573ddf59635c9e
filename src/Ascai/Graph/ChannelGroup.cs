using Ascai.Graph.Nodes;

namespace Ascai.Graph;

/// <summary>
/// Everything whose channel count follows one channel mask (the dependency group of Torch-Pruning): the
/// producers upstream of the mask, from the mask's input back to the first full conv or linear layer (through
/// activations, batch-norms and depthwise convs, each consumed only by the next); and, downstream, the
/// channel-preserving nodes (pools, dropout, flatten) up to the conv and linear layers that consume the channels.
/// Removing a masked channel from all of them at once leaves the model's outputs unchanged.
/// </summary>
public sealed record ChannelGroup(string Mask, IReadOnlyList<string> Producers, IReadOnlyList<string> PassThrough, IReadOnlyList<string> Consumers)
{
    /// <summary>The full conv or linear layer that creates the channels (the last producer).</summary>
    public string Source => Producers[^1];

    /// <summary>
    /// The group a mask consuming <paramref name="tensor"/> would have, or null when the channels of that tensor
    /// cannot be removed independently (residual adds, concatenations, shared producers, the graph output).
    /// </summary>
    public static ChannelGroup? For(LayerGraph graph, string tensor, string mask)
    {
        var producers = Upstream(graph, tensor, mask);
        if (producers is null) return null;
        var passThrough = new List<string>();
        var consumers = new List<string>();
        return Downstream(graph, tensor, mask, passThrough, consumers) && consumers.Count > 0
            ? new ChannelGroup(mask, producers, passThrough, consumers)
            : null;
    }

    /// <summary>The groups of every mask in the graph; throws if a mask sits where channels cannot be removed.</summary>
    public static IReadOnlyList<ChannelGroup> Of(LayerGraph graph) =>
        graph.Nodes.OfType<ChannelMaskNode>()
            .Select(m => For(graph, m.Inputs[0], m.Name) ?? throw new AscaiException($"mask '{m.Name}' sits where its channels cannot be removed"))
            .ToList();

    private static List<string>? Upstream(LayerGraph graph, string tensor, string mask)
    {
        var chain = new List<string>();
        string current = tensor;
        while (true)
        {
            // Every node of the chain must feed only the next one (the first: only the mask, or what the mask will take over).
            var consumers = graph.Consumers(current).Select(c => c.Name).Where(n => n != mask).ToList();
            if (chain.Count > 0 && consumers.Count != 1) return null;
            if (current == graph.Output) return null;
            var node = graph[current];
            chain.Add(current);
            switch (node)
            {
                case Conv2dNode { IsDepthwise: true }:
                case ActivationNode or BatchNormNode or DropoutNode:
                    current = node.Inputs[0];
                    continue;
                case Conv2dNode { Groups: 1 } or LinearNode:
                    return chain;
                default:
                    return null;
            }
        }
    }

    private static bool Downstream(LayerGraph graph, string tensor, string mask, List<string> passThrough, List<string> consumers)
    {
        string from = graph.Contains(mask) ? mask : tensor;
        foreach (var node in graph.Consumers(from).Where(n => n.Name != mask))
        {
            switch (node)
            {
                case Conv2dNode { Groups: 1 } or LinearNode:
                    consumers.Add(node.Name);
                    break;
                case MaxPoolNode or AvgPoolNode or GlobalAvgPoolNode or DropoutNode or FlattenNode:
                    if (node.Name == graph.Output) return false;
                    passThrough.Add(node.Name);
                    if (!Downstream(graph, node.Name, mask: "", passThrough, consumers)) return false;
                    break;
                default:
                    return false;
            }
        }
        return true;
    }
}

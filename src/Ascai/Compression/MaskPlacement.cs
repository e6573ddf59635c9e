using Ascai.Graph;
using Ascai.Graph.Nodes;

namespace Ascai.Compression;

/// <summary>
/// Where structured pruning puts its channel masks (method.md section 1): after every activation whose channels
/// can be removed on their own, i.e. that has a <see cref="ChannelGroup"/>. This covers the ReLU of every conv
/// block in VGG and LeNet, the ReLU inside each ResNet basic block, and the activation after each depthwise conv
/// in MobileNetV2. Activations on a residual path (feeding an add) are left unmasked, which by default includes
/// a CIFAR ResNet's stem, whose output is the first identity shortcut.
/// </summary>
public static class MaskPlacement
{
    /// <summary>Suffix of a mask's name after its activation's name.</summary>
    public const string Suffix = ".mask";

    /// <summary>Activations that can take a mask, with the group the mask would have.</summary>
    public static IEnumerable<ChannelGroup> Candidates(LayerGraph graph) =>
        graph.Nodes.OfType<ActivationNode>()
            .Select(a => ChannelGroup.For(graph, a.Name, a.Name + Suffix))
            .Where(g => g is not null)!;

    /// <summary>Inserts an all-ones mask after every candidate activation that has none; returns every mask's group.</summary>
    public static IReadOnlyList<ChannelGroup> Ensure(LayerGraph graph)
    {
        var shapes = graph.InferShapes();
        foreach (var group in Candidates(graph).ToList())
        {
            if (graph.Contains(group.Mask)) continue;
            string activation = group.Producers[0];
            var mask = graph.InsertAfter(activation, new ChannelMaskNode { Name = group.Mask, Inputs = [activation], Channels = shapes[activation].Channels });
            mask.SetTensor("mask", TorchSharp.torch.ones(mask.Channels));
        }
        return ChannelGroup.Of(graph);
    }
}

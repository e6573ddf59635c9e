using Ascai.Graph;
using Ascai.Graph.Nodes;

namespace Ascai.Compression;

/// <summary>
/// Where structured pruning puts its channel masks (method.md section 1): for each <see cref="ChannelGroup"/>, at the
/// places <see cref="ChannelDependencies.Sites"/> finds, so that every layer reading the group's channels reads a pruned
/// one as zero. In a plain conv block that is one mask after the activation (VGG, LeNet, the inner ReLU of a ResNet
/// block, the ReLU after MobileNetV2's depthwise conv); a group tied through a residual sum gets one before every sum it
/// meets, a squeeze-and-excitation block is covered by the mask before it, and after a concatenation one mask may serve
/// several groups. A mask is named after the tensor it follows.
/// </summary>
public static class MaskPlacement
{
    /// <summary>Suffix of a mask's name after the name of the tensor it follows.</summary>
    public const string Suffix = ".mask";

    /// <summary>The groups whose channels can be pruned.</summary>
    public static IReadOnlyList<ChannelGroup> Candidates(LayerGraph graph) => ChannelDependencies.Of(graph).Groups;

    /// <summary>Inserts, all ones, the masks <paramref name="group"/> lacks; returns the names of all its masks.</summary>
    public static IReadOnlyList<string> Ensure(LayerGraph graph, ChannelGroup group) => Ensure(graph, [group]);

    /// <summary>
    /// Inserts, all ones, the masks <paramref name="groups"/> (of one analysis of <paramref name="graph"/>) lack, all from
    /// that one analysis; returns the names of all their masks.
    /// </summary>
    public static IReadOnlyList<string> Ensure(LayerGraph graph, IEnumerable<ChannelGroup> groups)
    {
        var dependencies = ChannelDependencies.Of(graph);
        var sites = groups.SelectMany(dependencies.Sites).Distinct().ToList();
        var existing = sites.ToDictionary(s => s, s => dependencies.MaskOn(s)?.Name);
        if (existing.Values.All(m => m is not null)) return existing.Values.ToList()!;
        var shapes = graph.InferShapes();
        return sites.Select(site =>
        {
            if (existing[site] is { } name) return name;
            int features = shapes[site].Dims[0];
            var mask = graph.InsertAfter(site, new ChannelMaskNode { Name = site + Suffix, Inputs = [site], Channels = features });
            mask.SetTensor("mask", TorchSharp.torch.ones(features));
            return mask.Name;
        }).ToList();
    }

    /// <summary>Inserts every mask of every group (all ones): what measuring channel importance needs.</summary>
    public static void EnsureAll(LayerGraph graph) => Ensure(graph, Candidates(graph));
}

using Ascai.Graph;
using Ascai.Graph.Nodes;
using static TorchSharp.torch;

namespace Ascai.Compression;

/// <summary>
/// Tucker-2: a kxk conv W (m, n, k, k) becomes a 1x1 conv (n -> r_in) with U_in^T, a kxk core conv
/// (r_in -> r_out, the original stride, padding and dilation) with G = W x_0 U_out^T x_1 U_in^T, and a 1x1 conv
/// (r_out -> m) with U_out and the original bias. The factors come from truncated SVDs of the two channel
/// unfoldings (HOSVD), optionally refined by HOOI (alternating projections).
/// </summary>
public sealed class Tucker2Decomposition : ICompressionMethod
{
    /// <inheritdoc/>
    public string Name => "tucker2";
    /// <inheritdoc/>
    public bool IsDecomposition => true;

    /// <inheritdoc/>
    public IEnumerable<string> Targets(LayerGraph graph) =>
        graph.Nodes.OfType<Conv2dNode>().Where(c => c.Groups == 1 && (c.Kernel[0] > 1 || c.Kernel[1] > 1)).Select(c => c.Name);

    /// <summary>Left singular vectors of the mode-<paramref name="mode"/> unfolding of a 4-way tensor.</summary>
    private static Tensor LeftSingularVectors(Tensor w, int mode)
    {
        var unfolded = (mode == 0 ? w : w.transpose(0, 1)).flatten(1);
        var (u, _, _) = linalg.svd(unfolded, fullMatrices: false);
        return u;
    }

    private static Tensor Leading(Tensor w, int mode, int rank) => LeftSingularVectors(w, mode).narrow(1, 0, rank);

    /// <summary>The HOSVD bases of a kernel, [output, input] channel singular vectors: every rank pair is a slice of them.</summary>
    public static Tensor[] HosvdBases(Tensor w) => [LeftSingularVectors(w, 0), LeftSingularVectors(w, 1)];

    /// <summary>
    /// Tucker-2 factors of <paramref name="w"/> (m, n, k, k): (U_out m x r_out, core r_out x r_in x k x k, U_in n x r_in),
    /// with w ~ core x_0 U_out x_1 U_in. HOSVD (from <paramref name="bases"/> when already computed), then
    /// <paramref name="hooiIterations"/> HOOI refinements.
    /// </summary>
    public static (Tensor UOut, Tensor Core, Tensor UIn) Factorize(Tensor w, int rankOut, int rankIn, int hooiIterations = 0, Tensor[]? bases = null)
    {
        bases ??= HosvdBases(w);
        var uOut = bases[0].narrow(1, 0, rankOut);
        var uIn = bases[1].narrow(1, 0, rankIn);
        for (int i = 0; i < hooiIterations; i++)
        {
            uOut = Leading(einsum("oihw,is->oshw", w, uIn), 0, rankOut);
            uIn = Leading(einsum("oihw,or->rihw", w, uOut), 1, rankIn);
        }
        return (uOut, einsum("oihw,or,is->rshw", w, uOut, uIn), uIn);
    }

    /// <summary>Reassembles a kernel from its Tucker-2 factors.</summary>
    public static Tensor Reconstruct(Tensor uOut, Tensor core, Tensor uIn) => einsum("rshw,or,is->oihw", core, uOut, uIn);

    /// <summary>MACs of the three factors for a conv with the given input and output shapes.</summary>
    public static long FactoredMacs(Conv2dNode c, Shape input, Shape output, int rankOut, int rankIn) =>
        (long)c.InChannels * rankIn * input.Height * input.Width
        + (long)rankIn * c.Kernel[0] * c.Kernel[1] * rankOut * output.Height * output.Width
        + (long)rankOut * c.OutChannels * output.Height * output.Width;

    /// <inheritdoc/>
    public void Apply(LayerGraph graph, string layer, LayerSetting setting, CompressionContext context)
    {
        if (graph[layer] is not Conv2dNode { Groups: 1 } c || c.Kernel is [1, 1])
            throw new AscaiException($"layer '{layer}' ({graph[layer].Kind}): tucker2 applies to kxk convs (k > 1) without groups");
        if (Settings.TuckerRanks(layer, setting, c.OutChannels, c.InChannels) is not var (rankOut, rankIn)) return;
        var shapes = graph.InferShapes();
        var (input, output) = (shapes[c.Inputs[0]], shapes[layer]);
        if (FactoredMacs(c, input, output, rankOut, rankIn) >= c.Macs([input], output))
            throw new AscaiException($"layer '{layer}': Tucker-2 ranks [{rankOut}, {rankIn}] do not reduce its cost");

        using var scope = NewDisposeScope();
        var weight = c.Parameters["weight"].detach();
        var (uOut, core, uIn) = Factorize(weight, rankOut, rankIn, context.HooiIterations, context.Factors?.GetOrAdd(layer, Name, weight, HosvdBases));
        var first = new Conv2dNode { Name = layer + ".tucker.in", Inputs = [.. c.Inputs], InChannels = c.InChannels, OutChannels = rankIn, Kernel = [1, 1] };
        var middle = new Conv2dNode
        {
            Name = layer + ".tucker.core", Inputs = [first.Name], InChannels = rankIn, OutChannels = rankOut, Kernel = [.. c.Kernel],
            Stride = [.. c.Stride], Padding = [.. c.Padding], Dilation = [.. c.Dilation],
        };
        var last = new Conv2dNode { Name = layer + ".tucker.out", Inputs = [middle.Name], InChannels = rankOut, OutChannels = c.OutChannels, Kernel = [1, 1], HasBias = c.HasBias };
        first.SetTensor("weight", uIn.t().reshape(rankIn, c.InChannels, 1, 1));
        middle.SetTensor("weight", core);
        last.SetTensor("weight", uOut.reshape(c.OutChannels, rankOut, 1, 1));
        if (c.HasBias) last.SetTensor("bias", c.Parameters["bias"]);
        graph.Replace(layer, [first, middle, last]);
    }
}

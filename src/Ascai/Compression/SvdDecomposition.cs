using Ascai.Graph;
using Ascai.Graph.Nodes;
using static TorchSharp.torch;

namespace Ascai.Compression;

/// <summary>
/// SVD: a linear layer or 1x1 conv with weight W (m x n) becomes two layers, (n -> r) then (r -> m), with
/// W ~ U_r S_r V_r^T split as (sqrt(S_r) V_r^T) and (U_r sqrt(S_r)); the bias goes on the second. A 1x1 conv keeps
/// its stride on the first factor. Ranks whose factored cost r(m + n) is not below mn are refused.
/// </summary>
public sealed class SvdDecomposition : ICompressionMethod
{
    /// <inheritdoc/>
    public string Name => "svd";
    /// <inheritdoc/>
    public bool IsDecomposition => true;

    /// <summary>Whether rank r of an m x n matrix costs less than the matrix: r(m + n) &lt; mn.</summary>
    public static bool Reduces(long m, long n, long r) => r * (m + n) < m * n;

    /// <summary>Full rank R = min(m, n) of a layer's weight matrix.</summary>
    public static int FullRank(Node node) => node switch
    {
        LinearNode l => Math.Min(l.InFeatures, l.OutFeatures),
        Conv2dNode c => Math.Min(c.InChannels, c.OutChannels),
        _ => 0,
    };

    /// <inheritdoc/>
    public IEnumerable<string> Targets(LayerGraph graph) =>
        graph.Nodes.Where(n => n is LinearNode or Conv2dNode { Groups: 1, Kernel: [1, 1] }).Select(n => n.Name);

    /// <summary>Truncated SVD of <paramref name="w"/> (m x n): returns (first r x n, second m x r), second @ first ~ w.</summary>
    public static (Tensor First, Tensor Second) Factorize(Tensor w, int rank) => Truncate(FullSvd(w), rank);

    /// <summary>The thin SVD of <paramref name="w"/> as [U, S, V^T]: every rank is a slice of it.</summary>
    public static Tensor[] FullSvd(Tensor w)
    {
        var (u, s, vh) = linalg.svd(w, fullMatrices: false);
        return [u, s, vh];
    }

    /// <summary>The rank-<paramref name="rank"/> factors (first r x n, second m x r) from a thin SVD [U, S, V^T].</summary>
    public static (Tensor First, Tensor Second) Truncate(Tensor[] svd, int rank)
    {
        var (u, s, vh) = (svd[0], svd[1], svd[2]);
        var root = s.narrow(0, 0, rank).sqrt();
        return (root.unsqueeze(1) * vh.narrow(0, 0, rank), u.narrow(1, 0, rank) * root.unsqueeze(0));
    }

    /// <inheritdoc/>
    public void Apply(LayerGraph graph, string layer, LayerSetting setting, CompressionContext context)
    {
        var node = graph[layer];
        if (!Targets(graph).Contains(layer))
            throw new AscaiException($"layer '{layer}' ({node.Kind}): svd applies to linear layers and 1x1 convs");
        if (Settings.SvdRank(layer, setting, FullRank(node)) is not { } rank) return;
        using var scope = NewDisposeScope();
        var weight = node.Parameters["weight"].detach();
        long m = weight.shape[0], n = weight.shape[1];
        if (!Reduces(m, n, rank))
            throw new AscaiException($"layer '{layer}': SVD rank {rank} of a {m}x{n} weight does not reduce its cost (needs r(m+n) < mn, r <= {(m * n - 1) / (m + n)})");
        var matrix = weight.reshape(m, n);
        var (first, second) = Truncate(context.Factors?.GetOrAdd(layer, Name, matrix, FullSvd) ?? FullSvd(matrix), rank);
        Node a, b;
        switch (node)
        {
            case LinearNode l:
                a = new LinearNode { Name = layer + ".svd.0", Inputs = [.. l.Inputs], InFeatures = l.InFeatures, OutFeatures = rank, HasBias = false };
                b = new LinearNode { Name = layer + ".svd.1", Inputs = [layer + ".svd.0"], InFeatures = rank, OutFeatures = l.OutFeatures, HasBias = l.HasBias };
                break;
            case Conv2dNode c:
                a = new Conv2dNode
                {
                    Name = layer + ".svd.0", Inputs = [.. c.Inputs], InChannels = c.InChannels, OutChannels = rank, Kernel = [1, 1],
                    Stride = [.. c.Stride], Padding = [.. c.Padding], Dilation = [.. c.Dilation],
                };
                b = new Conv2dNode { Name = layer + ".svd.1", Inputs = [layer + ".svd.0"], InChannels = rank, OutChannels = c.OutChannels, Kernel = [1, 1], HasBias = c.HasBias };
                first = first.reshape(rank, n, 1, 1);
                second = second.reshape(m, rank, 1, 1);
                break;
            default:
                throw new InvalidOperationException();
        }
        a.SetTensor("weight", first);
        b.SetTensor("weight", second);
        if (node.Parameters.TryGetValue("bias", out var bias)) b.SetTensor("bias", bias);
        graph.Replace(layer, [a, b]);
    }
}

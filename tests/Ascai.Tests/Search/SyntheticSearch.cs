using Ascai.Compression;
using Ascai.Graph;

namespace Ascai.Tests.Search;

/// <summary>Search spaces and fitness landscapes without a network, so search tests take milliseconds.</summary>
internal static class SyntheticSearch
{
    /// <summary>A ps space over a small MLP with <paramref name="layers"/> prunable hidden layers.</summary>
    public static SearchSpace Space(int layers)
    {
        var g = new GraphBuilder(new Shape(8));
        string x = "input";
        for (int i = 0; i < layers; i++) x = g.Relu(g.Linear(x, 16));
        using var graph = g.Build(g.Linear(x, 4));
        return SearchSpace.Build(graph, "ps");
    }

    /// <summary>
    /// Accuracy falls with pruning, faster for some layers than others (what ASCAI exploits); cost is the kept
    /// fraction summed with per-layer weights (MACs; parameters are a tenth of it).
    /// </summary>
    public static Ascai.Evaluation.CandidateResult Evaluate(double[] genome, CancellationToken token)
    {
        token.ThrowIfCancellationRequested();
        double loss = genome.Select((p, i) => p * p * (i + 1) * 4).Sum();
        long cost = (long)(1_000_000 * genome.Select((p, i) => (1 - p) * (genome.Length - i)).Sum() / genome.Select((_, i) => (double)(genome.Length - i)).Sum());
        return new(95 - loss, cost, cost / 10);
    }
}

using Ascai.Compression;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Quantization;

namespace Ascai.Search;

/// <summary>
/// Networks of a search space that a latency table's int8 scales are fitted to (<see cref="LatencyTable.Open"/>): each
/// from the original to the most compressed (its compression genes drawn over their whole range, then moved toward the
/// original by a uniform factor) and from all float32 to all int8 (its precision genes as the warm start draws them),
/// built as candidates are.
/// </summary>
public static class LatencyReferences
{
    /// <summary>Networks a search's table is fitted to.</summary>
    public const int Count = 12;

    /// <summary>
    /// <paramref name="count"/> networks drawn with <paramref name="seed"/> (a run's table is reproducible), each graph
    /// disposed once the next is asked for.
    /// </summary>
    public static IEnumerable<(LayerGraph Graph, IReadOnlySet<string> Int8Nodes)> Draw(SearchSpace space, CandidateEvaluator evaluator, int seed, int count = Count)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var drawn = Initialization.Sample(space, null, random);
            double scale = random.NextDouble();
            var genome = drawn.Select((v, g) => space.Genes[g].Kind == GeneKind.Precision ? v : space.Genes[g].AtLevel(space.Genes[g].LevelOf(v) * scale)).ToArray();
            using var graph = evaluator.Build(genome);
            yield return (graph, Int8Quantizer.NodesOf(graph, space.Int8Layers(genome)));
        }
    }
}

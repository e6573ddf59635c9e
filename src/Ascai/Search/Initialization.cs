using Ascai.Compression;
using Ascai.Search.Operators;

namespace Ascai.Search;

/// <summary>Draws initial individuals: warm from theta (method.md section 3) or naive over the whole range.</summary>
public static class Initialization
{
    /// <summary>
    /// Warm: ratio genes ~ Normal(theta/2, theta/4) clipped; bin genes uniform over the allowed bins from theta up.
    /// Naive (theta null): ratio genes uniform over [min, max]; bin genes uniform over all allowed bins.
    /// Precision genes that may take int8 do so with one probability per sample, itself drawn uniformly, so the samples
    /// range from all float32 to all int8: a lone int8 layer pays its conversions and saves little, and independent
    /// draws would almost never give the mostly-int8 networks where int8 pays (1 in a million for 20 layers).
    /// </summary>
    public static double[] Sample(SearchSpace space, double[]? theta, Random random)
    {
        // Drawn only where there are precision genes, so that every other space keeps its random stream.
        double int8Share = space.Quantizes ? random.NextDouble() : 0;
        return space.Genes.Select((gene, i) =>
        {
            if (gene.IsDiscrete)
            {
                var bins = theta is null ? gene.Allowed! : gene.Allowed!.Where(b => b >= theta[i]).ToArray();
                if (gene.Kind == GeneKind.Precision) return (double)(random.NextDouble() < int8Share ? bins[0] : bins[^1]);
                return (double)bins[random.Next(bins.Length)];
            }
            return theta is null
                ? gene.Min + random.NextDouble() * (gene.Max - gene.Min)
                : gene.Clip(random.NextGaussian(theta[i] / 2, theta[i] / 4));
        }).ToArray();
    }

    /// <summary>
    /// A warm sample moved toward the uncompressed genome by <paramref name="scale"/> (1 = as drawn, 0 = the original):
    /// every gene's compression level times the scale.
    /// </summary>
    public static double[] Scaled(SearchSpace space, double[] genome, double scale) =>
        genome.Select((v, i) => space.Genes[i].AtLevel(space.Genes[i].LevelOf(v) * scale)).ToArray();
}

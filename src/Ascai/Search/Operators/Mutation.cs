using Ascai.Compression;
namespace Ascai.Search.Operators;

/// <summary>
/// Mutation (method.md section 5): with probability <c>pMutate</c> an individual is mutated, each element with
/// probability <c>pTweak</c>: a continuous gene gets + Normal(0, sigma), a discrete one moves one allowed bin up or
/// down; values are clipped to the gene's range (a ratio gene with levels moves at least one level). Works in place.
/// </summary>
public static class Mutation
{
    /// <summary>Mutates <paramref name="population"/> in place.</summary>
    public static void Apply(double[][] population, IReadOnlyList<Gene> genes, double pMutate, double pTweak, double sigma, Random random)
    {
        foreach (var individual in population)
        {
            if (random.NextDouble() >= pMutate) continue;
            for (int g = 0; g < individual.Length; g++)
            {
                if (random.NextDouble() >= pTweak) continue;
                var gene = genes[g];
                individual[g] = gene.IsDiscrete
                    ? gene.Step(individual[g], random.Next(2) == 0 ? -1 : 1)
                    : gene.Moved(individual[g], random.NextGaussian(0, sigma));
            }
        }
    }
}

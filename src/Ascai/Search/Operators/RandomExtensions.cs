namespace Ascai.Search.Operators;

/// <summary>Normal samples from a seeded <see cref="Random"/> (Box-Muller), so runs are reproducible.</summary>
public static class RandomExtensions
{
    /// <summary>A sample of Normal(mean, std).</summary>
    public static double NextGaussian(this Random random, double mean = 0, double std = 1)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return mean + std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

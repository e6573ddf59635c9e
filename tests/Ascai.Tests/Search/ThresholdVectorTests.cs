using Ascai.Search;

namespace Ascai.Tests.Search;

public class ThresholdVectorTests
{
    [Theory]
    [InlineData(0.37)]
    [InlineData(0.0)]
    [InlineData(0.949)]
    public void RatioBisectionFindsTheLimitOfAMonotoneFunction(double limit)
    {
        int calls = 0;
        double theta = ThresholdVector.LargestFeasibleRatio(0, 0.95, 0.01, p => { calls++; return p <= limit; });
        Assert.InRange(theta, limit - 0.01, limit);
        Assert.True(calls <= 8, $"{calls} evaluations");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(64)]
    public void BinBisectionFindsTheSmallestFeasibleBin(int limit)
    {
        int[] allowed = [1, 2, 5, 9, 17, 33, 64];
        Assert.Equal(allowed.First(b => b >= limit), ThresholdVector.SmallestFeasibleBin(allowed, b => b >= limit));
    }

    [Fact]
    public void EachGeneIsProbedAloneWithTheOthersAtIdentity()
    {
        var space = SyntheticSearch.Space(3);
        var seen = new List<double[]>();
        var theta = ThresholdVector.Compute(space, g => { seen.Add(g); return g.Sum() <= 0.5; });
        Assert.All(theta, t => Assert.InRange(t, 0.49, 0.5));
        Assert.All(seen, g => Assert.True(g.Count(v => v != 0) <= 1, "one gene at a time"));
    }
}

using Ascai.Evaluation;
using Ascai.Search;

namespace Ascai.Tests.Search;

/// <summary>The floor as a promise about unseen images: a paired confidence bound, and confirmation on held-out images.</summary>
public class AccuracyFloorTests
{
    [Theory] // Clopper-Pearson upper bounds computed by hand (Python: bisection of sum C(n, i) q^i (1 - q)^(n - i) over i <= k)
    [InlineData(7, 10, 0.9, 0.884174721970237)]
    [InlineData(3, 10, 0.9, 0.551730832383599)]
    [InlineData(0, 5, 0.95, 0.45071972834694096)] // = 1 - 0.05^(1/5)
    [InlineData(12, 20, 0.9, 0.7509351786201913)]
    public void TheUpperBoundIsClopperPearsons(int k, int n, double confidence, double expected) =>
        Assert.Equal(expected, AccuracyFloor.UpperBound(k, n, confidence), 9);

    [Fact]
    public void TheDropBoundReadsOnlyTheImagesWhereTheModelsDisagree()
    {
        // 7 images lost, 3 gained, of 100: the drop is 4 points; its 90% bound (2 q - 1) m / n with q = 0.8842, m = 10.
        Assert.Equal(100.0 * 10 * (2 * 0.884174721970237 - 1) / 100, AccuracyFloor.DropBound(7, 3, 100, 0.9), 6);
        Assert.Equal(0, AccuracyFloor.DropBound(0, 0, 100, 0.9));
        // The same net drop on more images disagreeing is less certain, so its bound is higher.
        Assert.True(AccuracyFloor.DropBound(14, 10, 1000, 0.9) > AccuracyFloor.DropBound(4, 0, 1000, 0.9));
        var floor = new AccuracyFloor(94, 93, Confidence: 0.9);
        var lucky = new CandidateResult(93.5, 1, 1) { Images = 1000, Worse = 20, Better = 15 }; // 0.5 points down, bound above 1
        var sure = new CandidateResult(93.5, 1, 1) { Images = 1000, Worse = 5, Better = 0 };
        Assert.True(new AccuracyFloor(94, 93).Meets(lucky)); // the point estimate says yes
        Assert.False(floor.Meets(lucky));
        Assert.True(floor.Meets(sure));
        Assert.Equal(94 - AccuracyFloor.DropBound(20, 15, 1000, 0.9), floor.Judged(lucky), 9);
        Assert.False(floor.Meets(CandidateResult.Failed(1, 1, "NaN")));
    }

    [Fact]
    public void ACandidateThatFailsOnTheConfirmationImagesIsNeverReturned()
    {
        EvaluationRecord Record(int index, long macs, double accuracy) => new() { Index = index, Genome = [index], Macs = macs, ValAccuracy = accuracy, Feasible = true };
        // All three meet the floor on the search's images; the cheapest does not on the confirmation images.
        var front = new[] { Record(2, 300, 93.5), Record(0, 100, 93.1), Record(1, 200, 93.2) };
        var onConfirmation = new Dictionary<double, double> { [0] = 92.0, [1] = 93.4, [2] = 94.0 };
        var floor = new AccuracyFloor(94, 93);
        var (returned, rows) = FrontConfirmation.Select(front, g => new CandidateResult(onConfirmation[g[0]], 1, 1), floor, 1000, Ascai.Cost.CostMetric.Macs);
        Assert.Equal(1, returned!.Index);
        Assert.Equal([100L, 200, 300], rows.Select(r => r.Macs));
        Assert.Equal([false, true, true], rows.Select(r => r.Confirmed!.Value));
        Assert.Equal(92.0, rows[0].ConfirmationAccuracy);
        var (none, _) = FrontConfirmation.Select(front, _ => new CandidateResult(80, 1, 1), floor, 1000, Ascai.Cost.CostMetric.Macs);
        Assert.Null(none);
    }

    [Fact]
    public void ConfirmationStopsAtTheFirstFailureFromTheMostAccurateDown()
    {
        // Fixed-sequence testing: the cheapest candidate passes on the confirmation images, but a costlier one before it
        // fails, so the walk from the top stops there and returns the cheapest candidate reached before it.
        EvaluationRecord Record(int index, long macs) => new() { Index = index, Genome = [index], Macs = macs, ValAccuracy = 94, Feasible = true };
        var front = new[] { Record(0, 100), Record(1, 200), Record(2, 300), Record(3, 400) };
        var onConfirmation = new Dictionary<double, double> { [0] = 93.6, [1] = 92.0, [2] = 93.5, [3] = 94.0 };
        var floor = new AccuracyFloor(94, 93);
        var (returned, rows) = FrontConfirmation.Select(front, g => new CandidateResult(onConfirmation[g[0]], 1, 1), floor, 1000, Ascai.Cost.CostMetric.Macs);
        Assert.Equal(2, returned!.Index);
        Assert.Equal([null, false, true, true], rows.Select(r => r.Confirmed));
        Assert.Equal(93.6, rows[0].ConfirmationAccuracy); // scored there, shown, but not tested: the walk had stopped
        // The most accurate failing: nothing is returned, whatever cheaper candidates do.
        onConfirmation[3] = 92.5;
        Assert.Null(FrontConfirmation.Select(front, g => new CandidateResult(onConfirmation[g[0]], 1, 1), floor, 1000, Ascai.Cost.CostMetric.Macs).Returned);
    }
}

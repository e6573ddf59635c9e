using Ascai.Evaluation;

namespace Ascai.Search;

/// <summary>
/// Chooses a run's result on images the search never saw. Among hundreds of candidates at the floor, the search's own
/// images favour the one they happen to favour (the winner's curse): so every feasible candidate of the front is scored
/// on the confirmation images, and the cheapest that meets the floor there too is returned, or none when none does.
/// </summary>
public static class FrontConfirmation
{
    /// <summary>
    /// The cheapest of <paramref name="feasible"/> that meets <paramref name="floor"/> on the confirmation images
    /// (<paramref name="confirm"/> scores a genome there), and every candidate's row, cheapest first.
    /// </summary>
    public static (EvaluationRecord? Returned, List<FrontModel> Front) Select(IEnumerable<EvaluationRecord> feasible, Func<double[], CandidateResult> confirm,
        AccuracyFloor floor, long baseMacs, Cost.CostMetric metric)
    {
        EvaluationRecord? returned = null;
        var rows = new List<FrontModel>();
        foreach (var record in Cheapest(feasible, metric))
        {
            var confirmation = confirm(record.Genome);
            bool confirmed = floor.Meets(confirmation);
            if (confirmed && returned is null) returned = record;
            rows.Add(Row(record, baseMacs) with
            {
                ConfirmationAccuracy = confirmation.ValAccuracy, Confirmed = confirmed, ConfirmationJudged = floor.Confidence is null ? null : floor.Judged(confirmation),
            });
        }
        return (returned, rows);
    }

    /// <summary>The rows of <paramref name="feasible"/>, cheapest first, without confirmation.</summary>
    public static List<FrontModel> Rows(IEnumerable<EvaluationRecord> feasible, long baseMacs, Cost.CostMetric metric) =>
        Cheapest(feasible, metric).Select(r => Row(r, baseMacs)).ToList();

    private static IEnumerable<EvaluationRecord> Cheapest(IEnumerable<EvaluationRecord> records, Cost.CostMetric metric) =>
        records.OrderBy(r => r.CostIn(metric)).ThenBy(r => r.Index);

    private static FrontModel Row(EvaluationRecord r, long baseMacs) => new()
    {
        Index = r.Index, Macs = r.Macs, MacsRatio = (double)r.Macs / baseMacs, Params = r.Params, Bops = r.Bops ?? r.Macs, Latency = r.Latency, ValAccuracy = r.ValAccuracy, ValJudged = r.Judged,
    };
}

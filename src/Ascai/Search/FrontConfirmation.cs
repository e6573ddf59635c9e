using Ascai.Evaluation;

namespace Ascai.Search;

/// <summary>
/// Chooses a run's result on images the search never saw. Among hundreds of candidates at the floor, the search's own
/// images favour the one they happen to favour (the winner's curse): so every feasible candidate of the front is scored
/// on the confirmation images, and the front is walked from its most accurate (costliest) member toward cheaper ones
/// while each meets the floor there too; the cheapest reached before the first that does not is returned, or none when
/// the first already fails. Testing in an order fixed before the confirmation images are read and stopping at the
/// first failure (fixed-sequence testing) keeps the chance that any returned candidate truly misses the floor within
/// the floor's confidence, however many candidates are tested; returning the cheapest that passes anywhere would not
/// (a cheap candidate that fails at 90% may pass by luck among many tried).
/// </summary>
public static class FrontConfirmation
{
    /// <summary>
    /// The result the confirmation images allow among <paramref name="feasible"/> (<paramref name="confirm"/> scores a genome
    /// there against <paramref name="floor"/>): walking from the costliest, the last to pass before the first failure; and
    /// every candidate's row, cheapest first.
    /// </summary>
    public static (EvaluationRecord? Returned, List<FrontModel> Front) Select(IEnumerable<EvaluationRecord> feasible, Func<double[], CandidateResult> confirm,
        AccuracyFloor floor, long baseMacs, Cost.CostMetric metric)
    {
        var rows = Cheapest(feasible, metric).Select(record =>
        {
            var confirmation = confirm(record.Genome);
            return (Record: record, Row: Row(record, baseMacs) with
            {
                ConfirmationAccuracy = confirmation.ValAccuracy, Confirmed = floor.Meets(confirmation), ConfirmationJudged = floor.Confidence is null ? null : floor.Judged(confirmation),
            });
        }).ToList();
        EvaluationRecord? returned = null;
        int i = rows.Count - 1;
        for (; i >= 0 && rows[i].Row.Confirmed == true; i--) returned = rows[i].Record;
        // Past the first miss the walk has stopped: what a cheaper candidate scores there is shown, but it was not tested.
        for (i--; i >= 0; i--) rows[i] = rows[i] with { Row = rows[i].Row with { Confirmed = null } };
        return (returned, rows.Select(r => r.Row).ToList());
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

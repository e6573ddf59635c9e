namespace Ascai.Evaluation;

/// <summary>
/// A model's latency measured end to end beside the original (<paramref name="Original"/>, timed in the same rounds) and
/// as the table predicts it (relative to <paramref name="TableOriginal"/>, the original's latency when the table was made).
/// </summary>
public sealed record LatencyMeasurement(LatencyPrediction Measured, LatencyPrediction Predicted, LatencyPrediction Original, LatencyPrediction TableOriginal)
{
    /// <summary>
    /// The relative error of the predicted speed at the table's batch: the predicted ratio to the original against the
    /// ratio measured beside it (the search compares candidates by that ratio, and it does not drift with the machine's pace).
    /// </summary>
    public double Error
    {
        get
        {
            double measured = Measured.Many / Original.Many;
            return Math.Abs(Predicted.Many / TableOriginal.Many - measured) / measured;
        }
    }
}

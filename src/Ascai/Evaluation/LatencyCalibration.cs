namespace Ascai.Evaluation;

/// <summary>
/// How a latency table's int8 scales were fitted: to <paramref name="Networks"/> networks of the search space timed end
/// to end (and the original with every layer in int8), with the median relative error of the prediction over those
/// networks at the table's batch from the two originals alone (<paramref name="MedianErrorBefore"/>) and after the fit
/// (<paramref name="MedianErrorAfter"/>). When the first fit erred by too much, the int8 entries were timed again and the
/// better fit kept: <paramref name="FirstTimingError"/> is then the first fit's median error (null when timed once).
/// </summary>
public sealed record LatencyCalibration(int Networks, double MedianErrorBefore, double MedianErrorAfter, double? FirstTimingError = null)
{
    /// <summary>
    /// The scales of the int8 kernels and of the conversions at precision boundaries that best predict
    /// <paramref name="points"/> (each: its float32 layers' time, already scaled; its int8 kernels' and conversions' summed
    /// entries; its measured latency), by least squares on the relative error, neither scale negative. Layers alone do not
    /// add up to their network, and by a different factor for int8 kernels than for the conversions between precisions, which
    /// two originals (all float32, all int8) cannot tell apart: networks in between can. The anchors' own choice,
    /// <paramref name="anchors"/> for both, is among those weighed, so the fit never does worse on the points than it.
    /// </summary>
    public static (double Kernels, double Conversions) Fit(IReadOnlyList<(double Float32, double Kernels, double Conversions, double Measured)> points, double anchors)
    {
        // Weighted by 1 / measured^2: each network's relative error counts alike, whatever its size.
        double kk = 0, kc = 0, cc = 0, ky = 0, cy = 0;
        foreach (var (float32, k, c, measured) in points)
        {
            double w = 1 / (measured * measured), y = measured - float32;
            (kk, kc, cc, ky, cy) = (kk + w * k * k, kc + w * k * c, cc + w * c * c, ky + w * k * y, cy + w * c * y);
        }
        double Loss(double sk, double sc) => points.Sum(p => Math.Pow((p.Float32 + sk * p.Kernels + sc * p.Conversions - p.Measured) / p.Measured, 2));
        var candidates = new List<(double Kernels, double Conversions)> { (anchors, anchors) };
        double det = kk * cc - kc * kc;
        if (det > 1e-12 * kk * cc) candidates.Add(((ky * cc - cy * kc) / det, (kk * cy - kc * ky) / det));
        // On the boundary of the allowed region: one scale shared by both, or one alone.
        double ss = kk + 2 * kc + cc;
        if (ss > 0) candidates.Add(((ky + cy) / ss, (ky + cy) / ss));
        if (kk > 0) candidates.Add((ky / kk, 0));
        if (cc > 0) candidates.Add((0, cy / cc));
        (double Kernels, double Conversions)? best = null;
        double bestLoss = double.PositiveInfinity;
        foreach (var c in candidates.Where(c => c.Kernels >= 0 && c.Conversions >= 0 && double.IsFinite(c.Kernels) && double.IsFinite(c.Conversions)))
        {
            double loss = Loss(c.Kernels, c.Conversions);
            if (loss < bestLoss - 1e-12) (best, bestLoss) = (c, loss);
        }
        return best!.Value;
    }
}

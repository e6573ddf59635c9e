namespace Ascai.Quantization;

/// <summary>How an activation's quantisation range is read off the calibration images.</summary>
public enum CalibrationMethod
{
    /// <summary>The smallest and largest value seen: nothing is clipped, and one outlier widens every step.</summary>
    MinMax,
    /// <summary>The values at the lower and upper percentile (<see cref="Int8Options.Percentile"/>): rare outliers are clipped, the rest resolved finer.</summary>
    Percentile,
}

using System.Diagnostics;

namespace Ascai.Evaluation;

/// <summary>Timing on this machine's CPU: medians of repeated runs (<see cref="LatencyComparison"/> times whole models beside each other).</summary>
public static class Latency
{
    /// <summary>Median wall time in milliseconds of <paramref name="run"/> over <paramref name="repeats"/> timed calls after <paramref name="warmup"/> untimed ones.</summary>
    public static double Median(Action run, int repeats = 15, int warmup = 3)
    {
        var times = new double[repeats];
        for (int i = -warmup; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            run();
            if (i >= 0) times[i] = clock.Elapsed.TotalMilliseconds;
        }
        return Median(times);
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two of an even count; NaN when empty).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return (sorted[(sorted.Length - 1) / 2] + sorted[sorted.Length / 2]) / 2;
    }
}

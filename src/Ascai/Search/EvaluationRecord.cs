using Ascai.Cost;

namespace Ascai.Search;

/// <summary>One evaluated genome: what the journal stores, one JSON line each.</summary>
public sealed record EvaluationRecord
{
    /// <summary>Order of evaluation, from 0.</summary>
    public int Index { get; init; }
    /// <summary>Generation (or sweep step) it was asked for in; -1 for the threshold search.</summary>
    public int Generation { get; init; }
    /// <summary>The genes' values.</summary>
    public required double[] Genome { get; init; }
    /// <summary>Validation accuracy in percent.</summary>
    public double ValAccuracy { get; init; }
    /// <summary>MACs per image of the compressed model.</summary>
    public long Macs { get; init; }
    /// <summary>Trainable parameters of the compressed model (non-zero for pn).</summary>
    public long Params { get; init; }
    /// <summary>Bit-operations per image (null: a float32 model's, its MACs).</summary>
    public long? Bops { get; init; }
    /// <summary>Predicted milliseconds of a forward pass at the latency batch (runs priced in latency only).</summary>
    public double? Latency { get; init; }
    /// <summary>Eq. 3 score.</summary>
    public double Score { get; init; }
    /// <summary>Whether the accuracy meets the floor.</summary>
    public bool Feasible { get; init; }
    /// <summary>Seed of the run.</summary>
    public int Seed { get; init; }
    /// <summary>Seconds the evaluation took.</summary>
    public double Seconds { get; init; }
    /// <summary>Why the candidate failed (NaN or infinite outputs), or null: a failed one is never feasible.</summary>
    public string? Failure { get; init; }
    /// <summary>Validation images it gets wrong that the base model gets right (null where not compared).</summary>
    public int? Worse { get; init; }
    /// <summary>Validation images it gets right that the base model gets wrong.</summary>
    public int? Better { get; init; }
    /// <summary>Under a confidence floor: base accuracy minus the upper bound of its drop, the accuracy the floor judged.</summary>
    public double? Judged { get; init; }
    /// <summary>
    /// When it was rejected early, the validation images scored before the floor was out of its reach: its accuracy is
    /// then the best it could still have reached (an upper bound), and it is infeasible for certain.
    /// </summary>
    public int? RejectedAfter { get; init; }

    /// <summary>Its cost in <paramref name="metric"/>.</summary>
    public double CostIn(CostMetric metric) => metric.Select(Macs, Params, Bops ?? Macs, Latency ?? double.NaN);

    /// <summary>A stable key for the genome, so identical genomes are evaluated once.</summary>
    public static string Key(double[] genome) => string.Join(",", genome.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
}

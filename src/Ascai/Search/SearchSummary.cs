namespace Ascai.Search;

/// <summary>
/// The latency table checked against measurement over the models measured (the front's cheapest and the returned one):
/// the relative error of each one's predicted latency ratio to the original against the ratio measured beside the
/// original (<see cref="Ascai.Evaluation.LatencyMeasurement.Error"/>), and how the table's int8 scales were fitted (null
/// when the run searches no precision).
/// </summary>
public sealed record LatencyCheck(int Batch, int Models, double MedianError, double MaxError, int Entries, Ascai.Evaluation.LatencyCalibration? Calibration = null);

/// <summary>What a run found: <c>summary.json</c>.</summary>
public sealed record SearchSummary
{
    /// <summary>The uncompressed model.</summary>
    public required SummaryModel Baseline { get; init; }
    /// <summary>
    /// The model the run returned: the cheapest candidate (in the run's cost) that kept the promise, on the confirmation
    /// images when there are some, after fine-tuning when it was fine-tuned; null when none did (<see cref="NoModel"/> says why).
    /// </summary>
    public SummaryModel? Best { get; init; }
    /// <summary>
    /// When the run returned no model: which candidate came closest, by how much it missed, and how to get a model (more
    /// held-out images, fine-tuning, a larger drop), with settings named in braces as <see cref="SettingException"/> names them.
    /// </summary>
    public string? NoModel { get; init; }
    /// <summary>The cost target of a run that asked for the most accurate model at a cost (<see cref="SearchConfig.TargetCost"/>), or null.</summary>
    public double? TargetCost { get; init; }
    /// <summary>Accuracy floor (percent) on the search's validation images (0 under a cost target).</summary>
    public double AccThreshold { get; init; }
    /// <summary>The floor on the confirmation images (their base accuracy minus the allowed drop), when there are some.</summary>
    public double? ConfirmationThreshold { get; init; }
    /// <summary>Confidence of the floor's bound on each candidate's drop (null: the point estimate).</summary>
    public double? Confidence { get; init; }
    /// <summary>Validation images the search scored candidates on.</summary>
    public int ValidationImages { get; init; }
    /// <summary>Held-out images kept from the search to confirm its result on (0: none).</summary>
    public int ConfirmationImages { get; init; }
    /// <summary>
    /// The feasible candidates the result was chosen from, cheapest first (<see cref="SearchRun.Ladder"/>): search,
    /// confirmation and test accuracy side by side, and the confirmation walk's verdict on each.
    /// </summary>
    public List<FrontModel> Front { get; init; } = [];
    /// <summary>The candidates fine-tuned after the search, in the order tried.</summary>
    public List<FineTunedModel> FineTuned { get; init; } = [];
    /// <summary>The candidates the probe fine-tuned for one epoch.</summary>
    public List<FineTunedModel> Probe { get; init; } = [];
    /// <summary>Kendall's tau between the probed candidates' search accuracy and their fine-tuned test accuracy (null without a probe, or with fewer than two candidates).</summary>
    public double? ProbeTau { get; init; }
    /// <summary>Kendall's tau between the probed candidates' cost and their fine-tuned test accuracy: what ranking by cost alone would achieve.</summary>
    public double? ProbeCostTau { get; init; }
    /// <summary>Distinct evaluations.</summary>
    public int Evaluations { get; init; }
    /// <summary>Wall-clock seconds of the last (or only) part of the run.</summary>
    public double WallSeconds { get; init; }
    /// <summary>Strategy.</summary>
    public string Strategy { get; init; } = "";
    /// <summary>What the candidates' cost was counted in (macs, params or bops; empty in older runs: params for pn, MACs otherwise).</summary>
    public string Cost { get; init; } = "";
    /// <summary>Runs priced in latency: the batch, and how far the table's predictions were from the measured latency of the front's models.</summary>
    public LatencyCheck? Latency { get; init; }
    /// <summary>Method set.</summary>
    public string Methods { get; init; } = "";
    /// <summary>Seed.</summary>
    public int Seed { get; init; }
    /// <summary>Why the run stopped.</summary>
    public string StopReason { get; init; } = "";
    /// <summary>The runtime that evaluated the candidates (for auto: the one it chose; empty if it had not chosen yet).</summary>
    public string Engine { get; init; } = "";
    /// <summary>Candidates evaluated at once in the last part of the run.</summary>
    public int Workers { get; init; } = 1;
    /// <summary>Number of genes.</summary>
    public int Genes { get; init; }
    /// <summary>The non-dominated (cost, validation accuracy) evaluations: index, MACs, params, accuracy, BOPs.</summary>
    public List<double[]> ParetoFront { get; init; } = [];
    /// <summary>How the validation images were chosen.</summary>
    public string Split { get; init; } = "";
    /// <summary>What the user should know before trusting the result (e.g. validation images that may have been trained on).</summary>
    public List<string> Warnings { get; init; } = [];
}

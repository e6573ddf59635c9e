using System.Globalization;
using Ascai.Cost;
using Ascai.Evaluation;
using Ascai.Graph;
using Ascai.Quantization;
using Ascai.Search;
using Ascai.Serialization;

namespace Ascai.Reporting;

/// <summary>Options of a report.</summary>
public sealed record ReportOptions
{
    /// <summary>Time the original and the file the run returned on this machine, as <c>ascai bench</c> does (<see cref="LatencyComparison"/>).</summary>
    public bool MeasureLatency { get; init; } = true;
    /// <summary>Batch size of the second latency measurement (the first is batch 1).</summary>
    public int LatencyBatch { get; init; } = 64;
    /// <summary>Rounds of the latency measurement (each times every model once at each batch).</summary>
    public int LatencyRounds { get; init; } = 21;
}

/// <summary>
/// Builds the report of one or several search runs: the setting, baseline against best (accuracy, MACs, params,
/// latency), the per-layer table of the best individual and every figure; several runs also side by side.
/// </summary>
public static class ReportBuilder
{
    /// <summary>Report file names inside the output folder.</summary>
    public const string MarkdownFile = "report.md", HtmlFile = "report.html";

    /// <summary>Builds the report and writes report.md, its figures and report.html into <paramref name="outDir"/>.</summary>
    public static ReportDocument Write(IReadOnlyList<RunFolder> runs, string outDir, ReportOptions? options = null, IProgress<string>? progress = null)
    {
        var document = Build(runs, options ?? new ReportOptions(), progress);
        Directory.CreateDirectory(outDir);
        foreach (var figure in document.Figures) AtomicFile.WriteBytes(Path.Combine(outDir, figure.File), figure.Png);
        AtomicFile.WriteText(Path.Combine(outDir, MarkdownFile), document.ToMarkdown());
        AtomicFile.WriteText(Path.Combine(outDir, HtmlFile), document.ToHtml());
        return document;
    }

    /// <summary>The report of <paramref name="runs"/> as a document.</summary>
    public static ReportDocument Build(IReadOnlyList<RunFolder> runs, ReportOptions options, IProgress<string>? progress = null)
    {
        if (runs.Count == 0) throw new AscaiException("no run to report");
        var document = new ReportDocument(runs.Count == 1 ? $"Search report: {runs[0].Name}" : $"Search report: {runs.Count} runs");
        if (runs.Count > 1)
        {
            document.Blocks.Add(new Heading(1, "Runs side by side"));
            document.Blocks.Add(new Table(
                ["run", "strategy", "methods", "seed", "evaluations", "best val acc (%)", "best test acc (%)", "best MACs ratio", "best params", "wall time"],
                runs.Select(r => new[]
                {
                    r.Name, r.Summary.Strategy, r.Summary.Methods, I(r.Summary.Seed), I(r.Summary.Evaluations),
                    r.Summary.Best is { } b ? F(b.ValAccuracy, 2) : "none feasible", r.Summary.Best is { TestAccuracy: { } t } ? F(t, 2) : "-",
                    r.Summary.Best is { } m ? F(m.MacsRatio, 3) : "-", r.Summary.Best is { } p ? I(p.Params) : "-", Duration(r.Summary.WallSeconds),
                }).ToList()));
            document.Blocks.Add(new Figure("best-vs-evaluations.png", "Cheapest feasible candidate's MACs ratio against evaluations spent, per run.", Figures.BestVsEvaluations(runs)));
        }
        for (int k = 0; k < runs.Count; k++)
        {
            progress?.Report(runs[k].Name);
            string prefix = runs.Count == 1 ? "" : $"run{k + 1}-";
            var uniform = runs.FirstOrDefault(u => u != runs[k] && u.Summary.Strategy == "uniform" && u.Config.Model == runs[k].Config.Model && u.Config.Evaluation.Methods == runs[k].Config.Evaluation.Methods);
            AddRun(document, runs[k], uniform, prefix, options, runs.Count > 1);
        }
        return document;
    }

    private static void AddRun(ReportDocument document, RunFolder run, RunFolder? uniform, string prefix, ReportOptions options, bool several)
    {
        var (config, summary) = (run.Config, run.Summary);
        if (several) document.Blocks.Add(new Heading(1, run.Name));
        document.Blocks.Add(new Paragraph(
            $"Model {config.Model}, data set {config.Data.Dataset}, methods {config.Evaluation.Methods}, strategy {summary.Strategy}, seed {summary.Seed}, " +
            $"floor {F(summary.AccThreshold, 2)}% validation accuracy ({FloorText(config)}), {summary.Evaluations} evaluations, " +
            $"stopped by {summary.StopReason}, wall time {Duration(summary.WallSeconds)}. Run folder: {run.Path}."));
        if (!File.Exists(config.Model)) throw new AscaiException($"{run.Path}: the run's model {config.Model} is missing");
        using var model = ModelFile.Load(config.Model);
        var space = config.Evaluation.Space(model.Graph);

        var best = summary.Best;
        List<LayerRow>? layers = null;
        List<MeasuredLatency>? timed = null;
        if (best?.Genome is { } genome)
        {
            // The model the search returned, as it wrote it: the table and the latency describe that file, not a
            // re-compression that could rank or round channels differently.
            string file = run.Store.PathOf(RunStore.BestCompactFile);
            if (!File.Exists(file)) throw new AscaiException($"{run.Path}: no {RunStore.BestCompactFile} (the model the run returned)");
            using var returned = ModelFile.Load(file);
            layers = LayerTable.Of(model.Graph, returned.Graph, space.Decode(genome), space.Int8Layers(genome));
        }
        if (options.MeasureLatency && best is not null)
        {
            // The file to deploy beside the original, timed as `ascai bench` times them (LatencyComparison).
            var owned = new List<IDisposable>();
            try
            {
                string deploy = run.Store.PathOf(DeployFile(best));
                if (!File.Exists(deploy)) deploy = run.Store.PathOf(RunStore.BestCompactFile); // a folder copied without its ONNX file
                timed = LatencyComparison.Measure([LatencySubject.Load(config.Model, owned).Subject, LatencySubject.Load(deploy, owned).Subject],
                    options.LatencyBatch, options.LatencyRounds);
            }
            finally
            {
                foreach (var d in owned) d.Dispose();
            }
        }

        document.Blocks.Add(new Heading(2, "The original and the returned model"));
        var rows = new List<string[]>
        {
            new[] { "validation accuracy (%)", F(summary.Baseline.ValAccuracy, 2), best is null ? "none feasible" : F(best.ValAccuracy, 2) },
            new[] { "test accuracy (%)", summary.Baseline.TestAccuracy is { } baseTest ? F(baseTest, 2) : "-", best?.TestAccuracy is { } bestTest ? F(bestTest, 2) : "-" },
            new[] { "MACs", I(summary.Baseline.Macs), best is null ? "-" : $"{I(best.Macs)} ({F(100 * best.MacsRatio, 1)}%)" },
            new[] { "parameters", I(summary.Baseline.Params), best is null ? "-" : $"{I(best.Params)} ({F(100.0 * best.Params / summary.Baseline.Params, 1)}%)" },
        };
        if (run.Cost == CostMetric.Bops || best is { Int8Layers.Count: > 0 })
            rows.Add(["BOPs (MACs x weight bits x activation bits / 1024)", I(summary.Baseline.Macs),
                best is null ? "-" : $"{I(best.Bops)} ({F(100.0 * best.Bops / Math.Max(1, summary.Baseline.Macs), 1)}%)"]);
        if (summary.Latency is { } check)
        {
            rows.Add([$"latency, batch {check.Batch} (ms, the run's table)", F(summary.Baseline.Latency ?? 0, 2), best?.Latency is { } p ? F(p, 2) : "-"]);
            rows.Add([$"latency, batch {check.Batch} (ms, measured end to end)", F(summary.Baseline.MeasuredLatency ?? 0, 2), best?.MeasuredLatency is { } m ? F(m, 2) : "-"]);
            rows.Add(["latency table error (median / max over the front's models)", "", $"{F(100 * check.MedianError, 1)}% / {F(100 * check.MaxError, 1)}% ({check.Models} models, {check.Entries} layer entries)"]);
            if (check.Calibration is { } fit)
                rows.Add(["latency table int8 fit (median error over its networks, before / after)", "", $"{F(100 * fit.MedianErrorBefore, 1)}% / {F(100 * fit.MedianErrorAfter, 1)}% ({fit.Networks} networks"
                    + (fit.FirstTimingError is { } first ? $"; int8 entries timed again after a fit that erred by {F(100 * first, 1)}%)" : ")")]);
        }
        if (best is { Int8Layers.Count: > 0 })
            rows.Add(["int8 layers", "none", $"{best.Int8Layers.Count}: {string.Join(", ", best.Int8Layers)}"]);
        if (timed is not null)
        {
            static string Speed(double ms, double speedUp) => $"{F(ms, 2)} ms ({(speedUp >= 1 ? $"{F(speedUp, 2)}x faster" : $"{F(1 / speedUp, 2)}x slower")})";
            foreach (var engine in new[] { LatencyComparison.OnnxRuntime, LatencyComparison.TorchSharp })
            {
                var (original, returned) = (timed.FirstOrDefault(l => l.Subject == 0 && l.Engine == engine), timed.FirstOrDefault(l => l.Subject == 1 && l.Engine == engine));
                if (original is null || returned is null) continue;
                string what = engine == LatencyComparison.OnnxRuntime ? $"{engine}, {returned.Model}" : $"{engine}, the same model";
                rows.Add([$"latency, batch 1 ({what})", $"{F(original.One, 2)} ms", Speed(returned.One, returned.SpeedUpOne)]);
                rows.Add([$"latency, batch {options.LatencyBatch} ({what})", $"{F(original.Many, 2)} ms", Speed(returned.Many, returned.SpeedUpMany)]);
            }
        }
        if (summary.Baseline.ConfirmationAccuracy is { } baseConfirmation)
            rows.Insert(1, [$"confirmation accuracy (%, {summary.ConfirmationImages} images the search never saw)", F(baseConfirmation, 2),
                best?.ConfirmationAccuracy is { } c ? F(c, 2) : "-"]);
        document.Blocks.Add(new Table(["", "original", "returned"], rows));

        if (summary.Front.Count > 0)
        {
            // The promise, checked: how the front's candidates fare on images the search did not choose them on.
            document.Blocks.Add(new Heading(2, "The front on new images"));
            string judged = summary.Confidence is { } q ? $" (judged: original minus the {F(100 * q, 0)}% bound on the drop)" : "";
            document.Blocks.Add(new Paragraph($"The feasible non-dominated candidates, cheapest first: accuracy on the search's {summary.ValidationImages} images" +
                (summary.ConfirmationImages > 0 ? $", on the {summary.ConfirmationImages} confirmation images" : "") + $" and on the test split{judged}. " +
                $"Floor {F(summary.AccThreshold, 2)}%" + (summary.ConfirmationThreshold is { } t ? $" on the search's images, {F(t, 2)}% on the confirmation images." : ".")));
            bool bops = run.Cost is CostMetric.Bops or CostMetric.Latency, latency = summary.Latency is not null;
            string batch = latency ? $"batch {summary.Latency!.Batch}" : "";
            static string Ms(double? v) => v is { } ms ? F(ms, 2) : "-";
            document.Blocks.Add(new Table(["journal index", "MACs ratio", .. bops ? new[] { "BOPs ratio" } : [],
                .. latency ? new[] { $"latency, {batch} (ms, table)", $"latency, {batch} (ms, measured)" } : [], "search acc (%)", "confirmation acc (%)", "confirmed", "test acc (%)", "returned"],
                summary.Front.Select(f => (string[])
                [
                    I(f.Index), F(f.MacsRatio, 3), .. bops ? new[] { F((double)f.Bops / Math.Max(1, summary.Baseline.Macs), 3) } : [],
                    .. latency ? new[] { Ms(f.Latency), Ms(f.MeasuredLatency) } : [], Judged(f.ValAccuracy, f.ValJudged), f.ConfirmationAccuracy is { } c ? Judged(c, f.ConfirmationJudged) : "-",
                    f.Confirmed switch { true => "yes", false => "no: the walk stops", null => f.ConfirmationAccuracy is null ? "-" : "not reached" }, f.TestAccuracy is { } test ? F(test, 2) : "-", f.Returned ? "yes" : "",
                ]).ToList()));
        }

        if (summary.FineTuned.Count > 0)
        {
            document.Blocks.Add(new Heading(2, "Fine-tuned candidates"));
            document.Blocks.Add(new Paragraph("Fine-tuned after the search, cheapest first, and judged again " +
                (summary.ConfirmationImages > 0 ? "on the confirmation images" : "on the search's images") + "; the first that meets the floor there is returned."));
            document.Blocks.Add(new Table(["journal index", "MACs ratio", "search acc (%)", "after fine-tuning (%)", "meets the floor", "fine-tuning (s)"],
                summary.FineTuned.Select(f => new[] { I(f.Index), F(f.MacsRatio, 3), F(f.ValAccuracy, 2), f.Failure ?? F(f.JudgedOnAccuracy, 2), f.Passed ? "yes" : "no", F(f.Seconds, 0) }).ToList()));
        }
        if (summary.ProbeTau is { } tau)
        {
            document.Blocks.Add(new Heading(2, "How far the search's ranking holds after fine-tuning"));
            document.Blocks.Add(new Paragraph($"{summary.Probe.Count} candidates at about the returned model's cost, spread over their search accuracy, fine-tuned for one epoch " +
                $"and measured on the test split. Kendall's tau between their search accuracy and their fine-tuned accuracy: {F(tau, 2)}" +
                (summary.ProbeCostTau is { } costTau ? $"; between their cost alone and it: {F(costTau, 2)}." : ".")));
            document.Blocks.Add(new Table(["journal index", "MACs ratio", "search acc (%)", "fine-tuned test acc (%)"],
                summary.Probe.Select(p => new[] { I(p.Index), F(p.MacsRatio, 3), F(p.ValAccuracy, 2), F(p.JudgedOnAccuracy, 2) }).ToList()));
        }

        if (layers is not null)
        {
            document.Blocks.Add(new Heading(2, "Best individual, layer by layer"));
            document.Blocks.Add(new Table(["layer", "setting", "MACs before", "MACs after", "MACs removed", "params before", "params after"],
                layers.Select(l => new[]
                {
                    l.Layer, l.Setting == "" ? "-" : l.Setting, I(l.BaseMacs), I(l.Macs), $"{F(100 * (1 - (double)l.Macs / l.BaseMacs), 1)}%", I(l.BaseParams), I(l.Params),
                }).ToList()));
        }

        document.Blocks.Add(new Heading(2, "Figures"));
        document.Blocks.Add(new Figure($"{prefix}accuracy-vs-macs.png",
            "Validation accuracy against MACs ratio of every evaluated individual, the non-dominated front and the floor" +
            (uniform is null ? " (report a uniform run of the same model with it to draw the uniform curve)." : $"; the uniform curve from {uniform.Name}."),
            Figures.AccuracyVsMacs(run, uniform)));
        var generations = run.Generations();
        if (summary.Strategy == "ascai" && generations.Count > 0)
        {
            string note = run.Populations is null ? " (this run predates populations.jsonl: genomes first evaluated in that generation)" : "";
            document.Blocks.Add(new Figure($"{prefix}population-first.png", $"Population of generation {generations[0].Generation}: share of each layer kept{note}.",
                Figures.PopulationHeatmap($"{run.Name}: generation {generations[0].Generation}", space.Genes, generations[0].Members)));
            document.Blocks.Add(new Figure($"{prefix}population-last.png", $"Population of generation {generations[^1].Generation}{note}.",
                Figures.PopulationHeatmap($"{run.Name}: generation {generations[^1].Generation}", space.Genes, generations[^1].Members)));
            document.Blocks.Add(new Figure($"{prefix}convergence.png", "MACs ratio of the individuals of each generation, their mean, and the best feasible individual so far.",
                Figures.Convergence(run)));
        }
        if (layers is not null)
            document.Blocks.Add(new Figure($"{prefix}layers.png", "Share of the original MACs per layer (bars) and share of each layer's MACs the best individual removes (line).",
                Figures.LayerShares($"{run.Name}: where the MACs are, and what the best individual removes", layers)));
        if (!several)
            document.Blocks.Add(new Figure($"{prefix}best-vs-evaluations.png", "Cheapest feasible candidate's MACs ratio against evaluations spent.", Figures.BestVsEvaluations([run])));
    }

    /// <summary>The file of a run to deploy: the int8 model when layers run in int8, else the compact ONNX model.</summary>
    public static string DeployFile(SummaryModel returned) => returned.Int8Layers.Count > 0 ? RunStore.BestInt8File : RunStore.BestOnnxFile;

    private static string FloorText(SearchConfig config) =>
        config.AccThreshold is { } t ? $"--acc-threshold {F(t, 2)}" : $"base - {F(config.MaxDrop ?? SearchConfig.Defaults.MaxDrop, 2)} points";

    private static string Judged(double accuracy, double? judged) => judged is { } j ? $"{F(accuracy, 2)} ({F(j, 2)})" : F(accuracy, 2);

    private static string F(double v, int digits) => v.ToString("F" + digits, CultureInfo.InvariantCulture);
    private static string I(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
    private static string Duration(double seconds) => TimeSpan.FromSeconds(Math.Round(seconds)).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture);
}

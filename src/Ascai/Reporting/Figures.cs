using Ascai.Compression;
using Ascai.Search;
using ScottPlot;

namespace Ascai.Reporting;

/// <summary>
/// The figures of a search run as PNG images (ScottPlot): the paper's Fig. 1 (accuracy vs MACs against uniform
/// pruning), Fig. 4 (population heat maps, per-layer MACs and pruned shares) and Fig. 5 (convergence), plus the
/// best feasible MACs ratio against the evaluations spent, several runs in one plot.
/// </summary>
public static class Figures
{
    /// <summary>Width and height of every figure in pixels.</summary>
    public const int Width = 900, Height = 560;

    private static readonly Color Feasible = Colors.SteelBlue, Infeasible = Colors.LightGray, Front = Colors.OrangeRed, Uniform = Colors.DarkGreen;

    private static byte[] Png(Plot plot) => plot.GetImageBytes(Width, Height, ImageFormat.Png);

    /// <summary>
    /// Every evaluation's validation accuracy against its MACs ratio (feasible ones coloured), the non-dominated
    /// front, the floor, and the uniform baseline's curve when a uniform run of the same model is given.
    /// </summary>
    public static byte[] AccuracyVsMacs(RunFolder run, RunFolder? uniform = null)
    {
        var plot = new Plot();
        void Points(IEnumerable<EvaluationRecord> records, Color color, string label)
        {
            var list = records.ToList();
            if (list.Count == 0) return;
            var points = plot.Add.ScatterPoints(list.Select(run.CostRatio).ToArray(), list.Select(r => r.ValAccuracy).ToArray());
            points.Color = color;
            points.MarkerSize = 4;
            points.LegendText = label;
        }
        Points(run.Records.Where(r => !r.Feasible), Infeasible, "below the floor");
        Points(run.Records.Where(r => r.Feasible), Feasible, "feasible");
        var front = SearchRun.Pareto(run.Records, run.Cost);
        var frontLine = plot.Add.ScatterLine(front.Select(run.CostRatio).ToArray(), front.Select(r => r.ValAccuracy).ToArray());
        frontLine.Color = Front;
        frontLine.LineWidth = 2;
        frontLine.LegendText = "non-dominated front";
        if (uniform is not null)
        {
            var sweep = uniform.Records.OrderBy(uniform.CostRatio).ToList();
            var curve = plot.Add.Scatter(sweep.Select(uniform.CostRatio).ToArray(), sweep.Select(r => r.ValAccuracy).ToArray());
            curve.Color = Uniform;
            curve.MarkerSize = 3;
            curve.LegendText = "uniform (same ratio every layer)";
        }
        var floor = plot.Add.HorizontalLine(run.Summary.AccThreshold);
        floor.Color = Colors.Black;
        floor.LinePattern = LinePattern.Dashed;
        floor.LegendText = $"floor {run.Summary.AccThreshold:F2}%";
        plot.Title($"{run.Name}: accuracy vs {run.CostName} ({run.Records.Count} evaluations)");
        plot.XLabel($"{run.CostName} ratio (compressed / original)");
        plot.YLabel("validation accuracy (%)");
        // Candidates far below the floor would flatten the interesting band: show 15 points under it.
        plot.Axes.SetLimits(0, 1.02, run.Summary.AccThreshold - 15, Math.Max(run.Summary.Baseline.ValAccuracy, run.Records.Max(r => r.ValAccuracy)) + 1);
        plot.ShowLegend(Alignment.LowerRight);
        return Png(plot);
    }

    /// <summary>
    /// One generation's population as a heat map: a column per individual, a row per gene, colour = share of the
    /// layer kept (1 - pruned ratio; bin / largest bin for decompositions).
    /// </summary>
    public static byte[] PopulationHeatmap(string title, IReadOnlyList<Gene> genes, IReadOnlyList<EvaluationRecord> members)
    {
        var plot = new Plot();
        var kept = new double[genes.Count, members.Count];
        for (int g = 0; g < genes.Count; g++)
            for (int i = 0; i < members.Count; i++)
                kept[genes.Count - 1 - g, i] = KeptShare(genes[g], members[i].Genome[g]); // row 0 is drawn at the top
        var map = plot.Add.Heatmap(kept);
        map.Colormap = new ScottPlot.Colormaps.Viridis();
        map.ManualRange = new ScottPlot.Range(0, 1);
        plot.Add.ColorBar(map).Label = "share kept";
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, genes.Count).Select(g => (double)g).ToArray(), genes.Select(GeneLabel).ToArray());
        plot.Title(title);
        plot.XLabel("individual");
        return Png(plot);
    }

    /// <summary>Per layer: share of the original MACs (bars) and share of the layer's MACs removed in the best individual (line).</summary>
    public static byte[] LayerShares(string title, IReadOnlyList<LayerRow> layers)
    {
        var plot = new Plot();
        double total = layers.Sum(l => l.BaseMacs);
        var bars = plot.Add.Bars(layers.Select(l => 100.0 * l.BaseMacs / total).ToArray());
        bars.Color = Colors.SteelBlue.WithAlpha(0.6);
        bars.LegendText = "share of the original MACs";
        var removed = plot.Add.Scatter(Enumerable.Range(0, layers.Count).Select(i => (double)i).ToArray(),
            layers.Select(l => 100.0 * (1 - (double)l.Macs / l.BaseMacs)).ToArray());
        removed.Color = Front;
        removed.LineWidth = 2;
        removed.LegendText = "share of the layer's MACs removed (best)";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, layers.Count).Select(i => (double)i).ToArray(), layers.Select(l => l.Layer).ToArray());
        plot.Axes.SetLimitsY(0, 105);
        plot.Title(title);
        plot.YLabel("%");
        plot.ShowLegend(Alignment.UpperLeft);
        return Png(plot);
    }

    /// <summary>MACs ratio of every individual per generation (dots), the generation mean and the best feasible so far.</summary>
    public static byte[] Convergence(RunFolder run)
    {
        var plot = new Plot();
        var generations = run.Generations();
        var xs = generations.SelectMany(g => g.Members.Select(_ => (double)g.Generation)).ToArray();
        var ys = generations.SelectMany(g => g.Members.Select(run.CostRatio)).ToArray();
        var dots = plot.Add.ScatterPoints(xs, ys);
        dots.Color = Feasible.WithAlpha(0.35);
        dots.MarkerSize = 4;
        dots.LegendText = "individuals";
        var gx = generations.Select(g => (double)g.Generation).ToArray();
        var mean = plot.Add.ScatterLine(gx, generations.Select(g => g.Members.Average(run.CostRatio)).ToArray());
        mean.Color = Colors.Black;
        mean.LineWidth = 2;
        mean.LegendText = "generation mean";
        var bestSoFar = run.BestFeasibleRatioByEvaluation();
        var best = plot.Add.ScatterLine(gx, generations.Select(g => bestSoFar[g.Members.Max(m => m.Index)]).ToArray());
        best.Color = Front;
        best.LineWidth = 2;
        best.LegendText = "best feasible so far";
        plot.Title($"{run.Name}: {run.CostName} ratio per generation{(run.Populations is null ? " (first evaluations only)" : "")}");
        plot.XLabel("generation");
        plot.YLabel($"{run.CostName} ratio");
        plot.ShowLegend(Alignment.UpperRight);
        return Png(plot);
    }

    /// <summary>
    /// The cheapest feasible candidate's cost ratio against evaluations spent, one line per run: how far each search has
    /// reached, comparable across strategies and scores (a score may prefer a costlier, more accurate candidate). Runs
    /// whose settings differ only in their seed (a study over seeds) share a colour, with a line pattern each.
    /// </summary>
    public static byte[] BestVsEvaluations(IReadOnlyList<RunFolder> runs)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var settings = runs.Select(r => System.Text.Json.JsonSerializer.Serialize(r.Config with { Options = r.Config.Options with { Seed = 0 } })).ToList();
        var distinct = settings.Distinct().ToList();
        LinePattern[] patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];
        for (int k = 0; k < runs.Count; k++)
        {
            var ratios = runs[k].CheapestFeasibleRatioByEvaluation();
            int first = Array.FindIndex(ratios, r => !double.IsNaN(r));
            if (first < 0) continue;
            var line = plot.Add.ScatterLine(Enumerable.Range(first + 1, ratios.Length - first).Select(i => (double)i).ToArray(), ratios[first..]);
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.Color = palette.GetColor(distinct.IndexOf(settings[k]));
            line.LinePattern = patterns[settings.Take(k).Count(s => s == settings[k]) % patterns.Length];
            line.LineWidth = 2;
            line.LegendText = runs[k].Name;
        }
        plot.Title("cheapest feasible candidate vs evaluations");
        plot.XLabel("evaluations");
        var metrics = runs.Select(r => r.CostName).Distinct().ToList();
        plot.YLabel(metrics.Count == 1 ? $"{metrics[0]} ratio of the cheapest feasible" : $"cost ratio of the cheapest feasible ({string.Join("; ", runs.Select(r => $"{r.CostName} for {r.Name}").Distinct())})");
        plot.ShowLegend(Alignment.UpperRight);
        return Png(plot);
    }

    /// <summary>Share of a layer a gene value keeps: 1 - ratio for pruning, bin / largest bin for decompositions and bits (8 of 32).</summary>
    public static double KeptShare(Gene gene, double value) => gene.IsDiscrete ? value / gene.Allowed![^1] : 1 - value;

    private static string GeneLabel(Gene gene) => gene.Kind switch
    {
        GeneKind.TuckerOutBin => $"{gene.Layer} out",
        GeneKind.TuckerInBin => $"{gene.Layer} in",
        _ => gene.Layer,
    };
}

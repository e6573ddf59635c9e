using Ascai;
using Ascai.Cost;
using Ascai.Search;
using Spectre.Console;

namespace Ascai.Cli.Commands;

/// <summary>Shows a running search (live status line, or a line every 5 s in logs) and its final summary.</summary>
internal static class SearchDisplay
{
    public static SearchSummary Run(Func<IProgress<SearchProgress>, SearchSummary> search)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            var last = DateTime.MinValue;
            return search(new SynchronousProgress<SearchProgress>(p =>
            {
                if ((DateTime.UtcNow - last).TotalSeconds < 5) return;
                last = DateTime.UtcNow;
                Console.WriteLine(Line(p));
            }));
        }
        SearchSummary? result = null;
        AnsiConsole.Status().Start("starting", context =>
            result = search(new SynchronousProgress<SearchProgress>(p => context.Status(Markup.Escape(Line(p))))));
        return result!;
    }

    private static string Line(SearchProgress p)
    {
        if (p.FineTuning is { } f)
        {
            var t = f.Step;
            var left = t.Fraction > 0 ? TimeSpan.FromSeconds(t.Elapsed.TotalSeconds * (1 - t.Fraction) / t.Fraction) : TimeSpan.Zero;
            return $"fine-tuning candidate {f.Candidate}/{f.Candidates} ({100 * f.CostRatio:F1}% {p.Cost.Name()}): epoch {t.Epoch}/{t.Epochs}, step {t.Step}/{t.StepsPerEpoch}, " +
                $"loss {t.Loss:F3}, {t.Elapsed:hh\\:mm\\:ss}, eta {left:hh\\:mm\\:ss} for this candidate";
        }
        string best = p.Leading is { } b ? $"{(p.Targeted ? "most accurate within the target" : "cheapest feasible")} {100.0 * p.LeadingCostRatio:F1}% {p.Cost.Name()} at {b.ValAccuracy:F2}%"
            : p.Targeted ? "none within the target yet" : "none feasible yet";
        string eta = p.Budget is { } budget && p.EvaluationsPerSecond > 0 ? $", eta {TimeSpan.FromSeconds((budget - p.Evaluations) / p.EvaluationsPerSecond):hh\\:mm\\:ss}" : "";
        string generation = p.Phase == "generation" ? $"generation {p.Generation}" : p.Phase;
        return $"{generation}: {p.Evaluations} evaluations{(p.Budget is { } bb ? $"/{bb}" : "")}, {best}, {p.EvaluationsPerSecond:F2} eval/s, {p.Elapsed:hh\\:mm\\:ss}{eta}"
            + (p.Backend is { } backend ? $"; {backend}" : "");
    }

    /// <summary>Prints what the run's held-out images can support before the search starts (a warning says it when that is little).</summary>
    public static readonly ISearchObserver Plan = new PlanPrinter();

    private sealed class PlanPrinter : ISearchObserver
    {
        public void Planned(PromisePlan plan)
        {
            if (plan.Supported) Console.WriteLine(SettingException.Name(plan.Text, key => Ascai.Cli.Parsing.Flags.Of(key) ?? key));
        }
    }

    /// <summary>Prints how a run ended and returns the exit code: 130 for an interrupted (resumable) run.</summary>
    public static int Finish(SearchSummary summary, string runDir)
    {
        if (summary.StopReason == "interrupted")
        {
            Console.Error.WriteLine($"interrupted after {summary.Evaluations} evaluations; continue with: ascai search --resume {runDir}");
            return 130;
        }
        Summary(summary, runDir);
        if (summary.Best is not null) return 0;
        Console.Error.WriteLine($"error: {SettingException.Name(summary.NoModel ?? "no model kept the promise", key => Ascai.Cli.Parsing.Flags.Of(key) ?? key)}");
        return NoModelExitCode;
    }

    /// <summary>The exit code of a search that ran to its end and returned no model.</summary>
    public const int NoModelExitCode = 3;

    public static void Summary(SearchSummary s, string runDir)
    {
        bool confirmed = s.ConfirmationImages > 0, bops = s.Cost is "bops" or "latency";
        var table = new Table().Title($"{s.Strategy} search, methods {s.Methods}, seed {s.Seed}: {s.Evaluations} evaluations in {s.WallSeconds / 60:F1} min ({s.StopReason})")
            .AddColumns(["", $"val acc ({s.ValidationImages})", .. confirmed ? new[] { $"confirmation ({s.ConfirmationImages})" } : [], "test acc", "MACs", "MACs ratio",
                .. bops ? new[] { "BOPs ratio" } : [], "params"]);
        string Confirmation(double? accuracy) => accuracy is { } a ? $"{a:F2}%" : "";
        static string Percent(double? accuracy) => accuracy is { } a ? $"{a:F2}%" : "-";
        table.AddRow([ "baseline", $"{s.Baseline.ValAccuracy:F2}%", .. confirmed ? new[] { Confirmation(s.Baseline.ConfirmationAccuracy) } : [],
            Percent(s.Baseline.TestAccuracy), $"{s.Baseline.Macs:N0}", "100%", .. bops ? new[] { "100%" } : [], $"{s.Baseline.Params:N0}" ]);
        if (s.Best is { } b)
            table.AddRow([ b.FineTuned ? "[bold]returned (fine-tuned)[/]" : "[bold]returned[/]", $"{b.ValAccuracy:F2}%", .. confirmed ? new[] { Confirmation(b.ConfirmationAccuracy) } : [],
                Percent(b.TestAccuracy), $"{b.Macs:N0}", $"[bold]{100 * b.MacsRatio:F1}%[/]", .. bops ? new[] { $"[bold]{100.0 * b.Bops / Math.Max(1, s.Baseline.Bops):F1}%[/]" } : [],
                $"{b.Params:N0}" ]);
        else
            table.AddRow([ "returned", confirmed && s.Front.Count > 0 ? "none confirmed" : "none above the floor", .. confirmed ? new[] { "" } : [], "", "", "",
                .. bops ? new[] { "" } : [], "" ]);
        AnsiConsole.Write(table);
        string floor = s.Confidence is { } c ? $"floor {s.AccThreshold:F2}% (a {100 * c:0.#}% bound on each candidate's drop)" : $"floor {s.AccThreshold:F2}%";
        string confirmation = s.ConfirmationThreshold is { } t ? $", {t:F2}% on the confirmation images ({s.Front.Count(f => f.Confirmed == true)} of {s.Front.Count} feasible candidates of the front confirmed)" : "";
        if (s.FineTuned.Count > 0)
            Console.WriteLine($"fine-tuned {s.FineTuned.Count} candidate(s): " + string.Join(", ", s.FineTuned.Select(f =>
                f.Failure is { } failure ? $"{100 * f.MacsRatio:F1}% MACs: {failure}"
                : $"{100 * f.MacsRatio:F1}% MACs {f.ValAccuracy:F2}% -> {f.JudgedOnAccuracy:F2}%{(f.Passed ? " (keeps the promise)" : "")}")));
        if (s.ProbeTau is { } tau)
            Console.WriteLine($"probe: Kendall's tau {tau:F2} between the search's accuracy of {s.Probe.Count} candidates at about the returned cost and their test accuracy after one epoch of fine-tuning" +
                (s.ProbeCostTau is { } costTau ? $" (their cost alone: {costTau:F2})" : ""));
        if (s.Latency is { } l && s.Best is { MeasuredLatency: { } measured })
            Console.WriteLine($"latency at batch {l.Batch} (ONNX Runtime, this machine): {s.Baseline.MeasuredLatency:F2} ms -> {measured:F2} ms ({s.Baseline.MeasuredLatency / measured:F2}x faster); " +
                $"the table's prediction was {s.Best.Latency:F2} ms (median error {100 * l.MedianError:F1}%, max {100 * l.MaxError:F1}% over {l.Models} models of the front)");
        if (s.Best is { Int8Layers.Count: > 0 } q)
            Console.WriteLine($"int8 layers ({q.Int8Layers.Count}): {string.Join(", ", q.Int8Layers)}; the quantised model is {RunStore.BestInt8File} (its accuracies above are ONNX Runtime's on that file)");
        Console.WriteLine(s.TargetCost is { } target
            ? $"target: at most {100 * target:0.#}% of the original's {s.Cost}; the returned model is the most accurate within it on the search's images" +
              (s.Best?.ConfirmationAccuracy is { } stated ? $", {stated:F2}% on the {s.ConfirmationImages} confirmation images (the original: {s.Baseline.ConfirmationAccuracy:F2}%)" : "") +
              $"; run folder: {runDir}; figures and report: ascai report {runDir}"
            : $"{floor} validation accuracy{confirmation}; run folder: {runDir}; figures and report: ascai report {runDir}");
        if (s.Best is { } returned)
        {
            string file = Path.Combine(runDir, returned.Int8Layers.Count > 0 ? RunStore.BestInt8File : RunStore.BestOnnxFile);
            Console.WriteLine($"deploy: {file} ({100 * returned.MacsRatio:F1}% of the MACs, {returned.ConfirmationAccuracy ?? returned.ValAccuracy:F2}% on the " +
                $"{(returned.ConfirmationAccuracy is null ? "search's" : "confirmation")} images{(returned.FineTuned ? ", fine-tuned" : "")}; the same model for Ascai: {Path.Combine(runDir, RunStore.BestCompactFile)})");
        }
    }
}

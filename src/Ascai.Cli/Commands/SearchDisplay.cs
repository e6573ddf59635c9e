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
        string best = p.BestFeasible is { } b ? $"best feasible {100.0 * p.BestCostRatio:F1}% {(p.ByParameters ? "params" : "MACs")} at {b.ValAccuracy:F2}%" : "no feasible yet";
        string eta = p.Budget is { } budget && p.EvaluationsPerSecond > 0 ? $", eta {TimeSpan.FromSeconds((budget - p.Evaluations) / p.EvaluationsPerSecond):hh\\:mm\\:ss}" : "";
        string generation = p.Phase == "generation" ? $"generation {p.Generation}" : p.Phase;
        return $"{generation}: {p.Evaluations} evaluations{(p.Budget is { } bb ? $"/{bb}" : "")}, {best}, {p.EvaluationsPerSecond:F2} eval/s, {p.Elapsed:hh\\:mm\\:ss}{eta}"
            + (p.Backend is { } backend ? $"; {backend}" : "");
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
        return 0;
    }

    public static void Summary(SearchSummary s, string runDir)
    {
        var table = new Table().Title($"{s.Strategy} search, methods {s.Methods}, seed {s.Seed}: {s.Evaluations} evaluations in {s.WallSeconds / 60:F1} min ({s.StopReason})")
            .AddColumns("", "val acc", "test acc", "MACs", "MACs ratio", "params");
        table.AddRow("baseline", $"{s.Baseline.ValAccuracy:F2}%", $"{s.Baseline.TestAccuracy:F2}%", $"{s.Baseline.Macs:N0}", "100%", $"{s.Baseline.Params:N0}");
        if (s.Best is { } b)
            table.AddRow("[bold]best feasible[/]", $"{b.ValAccuracy:F2}%", $"{b.TestAccuracy:F2}%", $"{b.Macs:N0}", $"[bold]{100 * b.MacsRatio:F1}%[/]", $"{b.Params:N0}");
        else
            table.AddRow("best feasible", "none above the floor", "", "", "", "");
        AnsiConsole.Write(table);
        Console.WriteLine($"floor {s.AccThreshold:F2}% validation accuracy; run folder: {runDir} (summary.json, journal.jsonl, best-compact.ascai); figures and report: ascai report {runDir}");
    }
}

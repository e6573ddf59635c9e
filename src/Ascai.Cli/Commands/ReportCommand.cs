using System.CommandLine;
using Ascai.Reporting;

namespace Ascai.Cli.Commands;

/// <summary><c>ascai report RUN_DIR [RUN_DIR...]</c>: report.md, report.html and the figures of one or several search runs.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("RUN_DIR") { Description = "search run folders", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out") { Description = "report folder (default: RUN_DIR/report for one run; required for several)" };
        var noLatency = new Option<bool>("--no-latency") { Description = "do not measure inference latency" };
        var threads = CommonOptions.Threads();
        var command = new Command("report", "write the report (Markdown, HTML, PNG figures) of search runs") { runs, output, noLatency, threads };
        command.SetAction((parse, cancel) =>
        {
            var dirs = parse.GetValue(runs)!;
            string outDir = parse.GetValue(output)
                ?? (dirs.Length == 1 ? Path.Combine(dirs[0], "report") : throw new AscaiException("several runs: give the report folder with --out"));
            foreach (string dir in dirs)
                if (!new Ascai.Search.RunStore(dir).IsFinished)
                    throw new AscaiException($"{dir}: not a finished search run (no {Ascai.Search.RunStore.SummaryFile}; an interrupted run is continued with: ascai search --resume {dir})");
            Ascai.Serialization.OutputPath.CheckFolder(outDir, "path");
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            var folders = dirs.Select(RunFolder.Load).ToList();
            ReportBuilder.Write(folders, outDir, new ReportOptions { MeasureLatency = !parse.GetValue(noLatency) },
                new Progress<string>(name => Console.Error.WriteLine($"reporting {name} ...")));
            Console.WriteLine($"report: {Path.Combine(outDir, ReportBuilder.HtmlFile)} (and {ReportBuilder.MarkdownFile} with its figures)");
            return Task.FromResult(0);
        });
        return command;
    }
}

using Ascai.TestSupport;
using Ascai.Distributed;
using Ascai.Search;

namespace Ascai.Tests.Cli;

/// <summary>
/// `ascai search` killed with SIGKILL at moments drawn from a seed (before the first evaluation, and after a drawn
/// number of journal lines), then `--resume`d until it finishes: its journal is the uninterrupted run's, line for line,
/// with two local workers and with the NATS backend (the search process dies; the workers and the server live on).
/// A finished run resumed with a larger --budget goes on to it.
/// </summary>
public class KillAndResumeTests
{
    private const int Budget = 30;

    private static string[] Search(string model, string runDir, params string[] extra) =>
        ["search", "--model", model, "--methods", "ps", "--val-size", "300", "--population", "6", "--generations", "50",
         "--budget", $"{Budget}", "--seed", "11", "--threads", "2", "--confirmation", "0", "--confidence", "point", "--finetune-epochs", "0", "--out", runDir, .. extra];

    [Fact]
    public void AKilledSearchResumesToTheUninterruptedJournal()
    {
        using var dir = new TempDirectory();
        string model = Repository.Model("vgg-small-fashion-mnist.ascai");
        Finished(Cli.Run(dir.Path, Search(model, "reference")));
        var reference = Comparable(dir.File("reference"));
        Assert.Equal(Budget, reference.Length);

        KilledAndResumed(dir.Path, Search(model, "local", "--workers", "2"), "local", ["--workers", "2"], new Random(5));
        Assert.Equal(reference, Comparable(dir.File("local")));

        using (var server = new NatsServer(NatsServer.FreePort(), dir.File("store")))
        using (new LocalWorker(server.Url, "w1", dir.File("cache1"), threads: 1))
        using (new LocalWorker(server.Url, "w2", dir.File("cache2"), threads: 1))
        {
            string[] nats = ["--backend", "nats", "--nats", server.Url, "--in-flight", "4"];
            KilledAndResumed(dir.Path, Search(model, "nats", nats), "nats", nats, new Random(6));
        }
        Assert.Equal(reference, Comparable(dir.File("nats")));

        // Extending the finished run: the journal replays, and the search goes on to the new budget.
        Finished(Cli.Run(dir.Path, ["search", "--resume", "local", "--budget", $"{Budget + 10}", "--threads", "2"]));
        var extended = Comparable(dir.File("local"));
        Assert.Equal(Budget + 10, extended.Length);
        Assert.Equal(reference, extended[..Budget]);
        Assert.Contains($"\"budget\": {Budget + 10}", File.ReadAllText(Path.Combine(dir.File("local"), RunStore.ConfigFile)));
    }

    // Kills before any evaluation, then after a drawn number of journal lines (rising), then resumes to the end.
    private static void KilledAndResumed(string workingDirectory, string[] start, string runDir, string[] resumeExtra, Random random)
    {
        string journal = Path.Combine(workingDirectory, runDir, RunStore.JournalFile);
        int[] after = [0, .. Enumerable.Range(0, 3).Select(_ => random.Next(1, Budget - 1)).Order()];
        string[] args = start;
        foreach (int lines in after)
        {
            using var process = Cli.Start(workingDirectory, args);
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            if (lines == 0) Thread.Sleep(random.Next(200, 1500)); // mid-preparation
            else while (Lines(journal) < lines && !process.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(20);
            Thread.Sleep(random.Next(0, 150)); // somewhere inside the next evaluation
            if (!process.HasExited) process.Kill(); // SIGKILL: no handler runs
            process.WaitForExit();
            args = ["search", "--resume", runDir, "--threads", "2", .. resumeExtra];
            if (!Directory.Exists(Path.Combine(workingDirectory, runDir))) args = start; // killed before the folder was made
        }
        Finished(Cli.Run(workingDirectory, args));
    }

    private static int Lines(string path)
    {
        try { return File.Exists(path) ? File.ReadAllText(path).Count(c => c == '\n') : 0; }
        catch (IOException) { return 0; }
    }

    private static void Finished(CliResult result) =>
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}");

    private static string[] Comparable(string runDir) =>
        Journal.Read(Path.Combine(runDir, RunStore.JournalFile))
            .Select(r => $"{r.Index} {EvaluationRecord.Key(r.Genome)} {r.ValAccuracy} {r.Macs} {r.Params} {r.Generation} {r.Feasible}").ToArray();
}

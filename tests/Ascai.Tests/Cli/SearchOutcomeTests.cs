using System.Text.Json;
using Ascai.Search;

namespace Ascai.Tests.Cli;

/// <summary>How `ascai search` ends as a user meets it: what it says before it starts, and a run that returns no model.</summary>
public class SearchOutcomeTests
{
    [Fact]
    public void ARunThatReturnsNoModelSaysWhyAndExitsNonZero()
    {
        // One uniform level, the most every layer allows: far below the floor, too far for fine-tuning's slack.
        using var dir = new TempDirectory();
        var result = Cli.Run(dir.Path, ["search", "--model", Repository.Model("vgg-small-fashion-mnist.ascai"), "--strategy", "uniform", "--budget", "1",
            "--val-size", "200", "--threads", "2", "--out", "run"]);
        Assert.Equal(3, result.ExitCode);
        // Said before the search: what 100 search and 100 confirmation images can support.
        Assert.Contains("100 held-out images to search, 100 to confirm", result.Stderr + result.Stdout);
        var error = Assert.Single(result.ErrorLines, l => l.StartsWith("error:"));
        Assert.Contains("no model kept the promise", error);
        Assert.Contains("--max-drop", error); // how to get one, in flags
        Assert.DoesNotContain("deploy:", result.Stdout);
        var summary = JsonSerializer.Deserialize<SearchSummary>(File.ReadAllText(Path.Combine(dir.File("run"), RunStore.SummaryFile)), Ascai.Serialization.Json.Options)!;
        Assert.Null(summary.Best);
        Assert.NotNull(summary.NoModel);
        Assert.False(File.Exists(Path.Combine(dir.File("run"), RunStore.BestCompactFile)));
    }
}

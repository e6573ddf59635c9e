using System.Diagnostics;

namespace Ascai.Tests.Cli;

/// <summary>What a run of the command line printed and how it ended.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>The lines printed on stderr.</summary>
    public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// Runs the real command line (the Ascai.Cli assembly the test project references, copied beside the tests) as a
/// child process, the way a user's shell would.
/// </summary>
internal static class Cli
{
    public static string Assembly { get; } = Path.Combine(AppContext.BaseDirectory, "Ascai.Cli.dll");

    /// <summary>Starts <c>ascai ARGS</c> in <paramref name="workingDirectory"/> without waiting.</summary>
    public static Process Start(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet", [Assembly, .. args])
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.Environment["ASCAI_DEBUG"] = null;
        return Process.Start(info) ?? throw new InvalidOperationException("cannot start dotnet");
    }

    /// <summary>Runs <c>ascai ARGS</c> to its end (at most <paramref name="timeout"/>).</summary>
    public static CliResult Run(string workingDirectory, string[] args, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        using var process = Start(workingDirectory, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            // What it was doing when it was stopped: the last lines it printed.
            string Tail(Task<string> text) => string.Join(" | ", text.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(4));
            throw new TimeoutException($"ascai {string.Join(" ", args)} did not finish in {clock.Elapsed.TotalSeconds:F0} s; it printed: {Tail(stdout)} || {Tail(stderr)}");
        }
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result, clock.Elapsed);
    }
}

using System.Diagnostics;

namespace Ascai.TestSupport;

/// <summary>
/// An <c>ascai worker</c> child process on this machine, run from the CLI assembly beside the calling program
/// (tests and benchmarks reference the CLI project, so its <c>Ascai.Cli.dll</c> is copied next to theirs). Killed
/// with SIGKILL on <see cref="Kill"/> or when disposed, as a crashed machine would stop.
/// </summary>
public sealed class LocalWorker : IDisposable
{
    private readonly Process _process;

    /// <summary>Starts a worker on <paramref name="url"/> with its own blob cache and thread count.</summary>
    public LocalWorker(string url, string name, string cacheDir, int threads)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "Ascai.Cli.dll");
        if (!File.Exists(cli)) throw new AscaiException($"{cli} not found: reference the Ascai.Cli project to run local workers");
        var info = new ProcessStartInfo("dotnet", [cli, "worker", "--nats", url, "--name", name, "--cache", cacheDir, "--threads", $"{threads}"])
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        _process = Process.Start(info) ?? throw new AscaiException("cannot start dotnet");
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    /// <summary>Whether the worker has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Kills the worker at once (Process.Kill sends SIGKILL on Linux).</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill();
    }

    /// <summary>Kills the worker if it still runs and releases the process.</summary>
    public void Dispose()
    {
        Kill();
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}

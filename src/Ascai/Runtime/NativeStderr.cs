using System.Runtime.InteropServices;

namespace Ascai.Runtime;

/// <summary>
/// Silences the process's native standard error (file descriptor 2) for a scope. Why: libtorch prints "Could not
/// initialize NNPACK! Reason: Unsupported hardware." for every batch-1 convolution on CPUs NNPACK does not support,
/// and no TorchSharp API turns NNPACK off; latency measurements would flood the terminal. Only used around them.
/// </summary>
public sealed class NativeStderr : IDisposable
{
    private readonly int _saved = -1;

    private NativeStderr()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            int devNull = open("/dev/null", 1 /* O_WRONLY */);
            if (devNull < 0) return;
            _saved = dup(2);
            if (_saved >= 0) dup2(devNull, 2);
            close(devNull);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { _saved = -1; }
    }

    /// <summary>Sends native stderr to /dev/null until the result is disposed (a no-op where that is not possible).</summary>
    public static NativeStderr Silence() => new();

    /// <summary>Restores native stderr.</summary>
    public void Dispose()
    {
        if (_saved < 0) return;
        dup2(_saved, 2);
        close(_saved);
    }

    [DllImport("libc", SetLastError = true)] private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    [DllImport("libc", SetLastError = true)] private static extern int dup(int fd);
    [DllImport("libc", SetLastError = true)] private static extern int dup2(int fd, int fd2);
    [DllImport("libc", SetLastError = true)] private static extern int close(int fd);
}

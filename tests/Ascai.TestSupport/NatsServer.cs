using System.Diagnostics;

namespace Ascai.TestSupport;

/// <summary>
/// A local <c>nats-server -js</c> child process on a loopback port with its own store folder: for tests and
/// benchmarks (production servers are started as the README describes). Killed when disposed.
/// </summary>
public sealed class NatsServer : IDisposable
{
    private readonly Process _process;

    /// <summary>Starts the server on <paramref name="port"/> storing into <paramref name="storeDir"/>.</summary>
    public NatsServer(int port, string storeDir)
    {
        string binary = File.Exists("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : "nats-server";
        var info = new ProcessStartInfo(binary, ["-js", "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sd", storeDir])
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        try { _process = Process.Start(info)!; }
        catch (System.ComponentModel.Win32Exception) { throw new AscaiException("nats-server is not installed (Debian: apt-get install nats-server)"); }
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        Url = $"nats://127.0.0.1:{port}";
        // Ready when the port accepts connections.
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(10); Thread.Sleep(50))
        {
            if (_process.HasExited) throw new AscaiException($"nats-server exited at once (code {_process.ExitCode}); is port {port} free?");
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                client.Connect(System.Net.IPAddress.Loopback, port);
                return;
            }
            catch (System.Net.Sockets.SocketException) { }
        }
        throw new AscaiException($"nats-server did not open port {port} within 10 s");
    }

    /// <summary>The server's URL.</summary>
    public string Url { get; }

    /// <summary>A free loopback TCP port.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Kills the server.</summary>
    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}

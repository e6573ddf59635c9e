using NATS.Client.Core;

namespace Ascai.Distributed;

/// <summary>
/// Where the NATS server is and how to log in: a URL (nats://host:4222, credentials allowed as
/// nats://user:password@host:4222) and an optional token.
/// </summary>
public sealed record NatsEndpoint(string Url, string? Token = null)
{
    /// <summary>The URL, or a <see cref="SettingException"/> when it is not a NATS URL (checked before any work).</summary>
    public Uri Validate() => Uri.TryCreate(Url, UriKind.Absolute, out var uri) && uri.Scheme is "nats" or "tls" && uri.Host.Length > 0 ? uri
        : throw new SettingException(SettingException.Of<NatsEndpoint>(nameof(Url)), $"'{Url}' is not a NATS URL such as nats://127.0.0.1:4222");

    /// <summary>Connects, or throws one clear error when the server cannot be reached or refuses the login.</summary>
    public async Task<NatsConnection> ConnectAsync(string clientName, CancellationToken cancel = default)
    {
        var uri = Validate();
        var auth = NatsAuthOpts.Default;
        if (Token is not null) auth = auth with { Token = Token };
        if (uri.UserInfo.Split(':', 2) is [var user, var password] && user.Length > 0)
            auth = auth with { Username = Uri.UnescapeDataString(user), Password = Uri.UnescapeDataString(password) };
        var plain = new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString().TrimEnd('/');
        var connection = new NatsConnection(NatsOpts.Default with
        {
            Url = plain, Name = clientName, AuthOpts = auth, ConnectTimeout = TimeSpan.FromSeconds(5), MaxReconnectRetry = 10,
        });
        try
        {
            await connection.ConnectAsync();
            return connection;
        }
        catch (Exception e) when (e is NatsException or TimeoutException or System.Net.Sockets.SocketException)
        {
            await connection.DisposeAsync();
            throw new AscaiException($"cannot connect to the NATS server at {plain}: {Innermost(e).Message}");
        }
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
}

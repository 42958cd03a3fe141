namespace Cronium.Testing;

/// <summary>
/// A webhook provider on loopback: records what it is sent; answers 500 under /fail; under /hold waits until the
/// test calls <see cref="Release"/>; under /huge streams a 64 MiB answer and counts what it managed to write.
/// </summary>
public sealed class LocalWebhook : IDisposable
{
    public const long HugeBytes = 64L * 1024 * 1024;

    private readonly HttpListener listener = new();
    private readonly SemaphoreSlim release = new(0);
    private readonly TaskCompletionSource held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long hugeWritten;

    public LocalWebhook()
    {
        Port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public ConcurrentQueue<(string Path, string Body)> Received { get; } = new();

    /// <summary>Completes when a request under /hold has arrived (and is being held).</summary>
    public Task Held => held.Task;

    /// <summary>How much of the /huge answer went out before the client stopped reading.</summary>
    public long HugeBytesWritten => Interlocked.Read(ref hugeWritten);

    /// <summary>A webhook URL on this provider; it carries the <see cref="Canary"/> as a webhook URL carries its secret token.</summary>
    public string Url(string path) => $"http://127.0.0.1:{Port}{path}?token={Canary.Marker}";

    public void Release() => release.Release();

    // Close alone: after Stop has let the port go, Close binds it once more to remove the prefix, and threw "Address
    // already in use" when another test had taken the port meanwhile (a compat test failed so in a full run).
    public void Dispose() => listener.Close();

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync(); } catch (Exception) { return; }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var path = context.Request.Url!.AbsolutePath;
            Received.Enqueue((path, await reader.ReadToEndAsync()));
            if (path.StartsWith("/hold", StringComparison.Ordinal))
            {
                held.TrySetResult();
                await release.WaitAsync(TimeSpan.FromSeconds(60));
            }
            if (path.StartsWith("/huge", StringComparison.Ordinal))
            {
                await StreamHugeAsync(context.Response);
                return;
            }
            var failing = path.StartsWith("/fail", StringComparison.Ordinal);
            context.Response.StatusCode = failing ? 500 : 200;
            context.Response.ContentType = "text/plain";
            var answer = Encoding.UTF8.GetBytes(failing ? "provider exploded" : "ok");
            await context.Response.OutputStream.WriteAsync(answer);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away: nothing to answer.
        }
    }

    private async Task StreamHugeAsync(HttpListenerResponse response)
    {
        response.StatusCode = 200;
        response.ContentType = "text/plain";
        response.ContentLength64 = HugeBytes;
        var chunk = Encoding.ASCII.GetBytes(new string('z', 64 * 1024));
        try
        {
            for (long sent = 0; sent < HugeBytes; sent += chunk.Length)
            {
                await response.OutputStream.WriteAsync(chunk);
                Interlocked.Add(ref hugeWritten, chunk.Length);
            }
            response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            response.Abort();
        }
    }

    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}

/// <summary>Just enough SMTP on loopback to accept mail and keep it for the test to read.</summary>
public sealed class LocalSmtp : IDisposable
{
    private readonly TcpListener listener;

    public LocalSmtp()
    {
        listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public ConcurrentQueue<(string From, IReadOnlyList<string> To, string Data)> Messages { get; } = new();

    public void Dispose() => listener.Stop();

    private async Task AcceptAsync()
    {
        while (true)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(); } catch (Exception) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("220 localhost ESMTP test");
        string from = "";
        var to = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            var verb = line.Split(' ', 2)[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO" or "HELO": await writer.WriteLineAsync("250 localhost"); break;
                case "MAIL": from = line; await writer.WriteLineAsync("250 OK"); break;
                case "RCPT": to.Add(line); await writer.WriteLineAsync("250 OK"); break;
                case "DATA":
                    await writer.WriteLineAsync("354 go ahead");
                    var data = new StringBuilder();
                    while (await reader.ReadLineAsync() is { } d && d != ".") data.AppendLine(d);
                    Messages.Enqueue((from, to.ToList(), data.ToString()));
                    to.Clear();
                    await writer.WriteLineAsync("250 OK queued");
                    break;
                case "QUIT": await writer.WriteLineAsync("221 bye"); return;
                default: await writer.WriteLineAsync("250 OK"); break;
            }
        }
    }
}

/// <summary>A TCP server on loopback that accepts and then says nothing: a provider that hangs.</summary>
public sealed class LocalStall : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentBag<TcpClient> clients = [];

    public LocalStall()
    {
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = Task.Run(async () =>
        {
            while (true)
            {
                try { clients.Add(await listener.AcceptTcpClientAsync()); } catch (Exception) { return; }
            }
        });
    }

    public int Port { get; }

    public void Dispose()
    {
        listener.Stop();
        foreach (var c in clients) c.Dispose();
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cronium.Cli.Tests;

/// <summary>
/// A loopback TCP proxy in front of a runtime's Unix socket that drops the first connection right after passing on
/// the first log event it carries, as a flaky network would, and keeps every request's head for the test to read.
/// </summary>
internal sealed class CuttingProxy : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly string socketPath;
    private readonly CancellationTokenSource stop = new();
    private readonly List<string> requests = [];
    private readonly StringBuilder firstStream = new();
    private int cut;

    public CuttingProxy(string socketPath)
    {
        this.socketPath = socketPath;
        listener.Start();
        _ = AcceptAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";

    /// <summary>The heads (request line and headers) of the requests that asked for a log, in order.</summary>
    public IReadOnlyList<string> LogRequests
    {
        get
        {
            lock (requests) return requests.Where(r => r.Contains("/logs", StringComparison.Ordinal)).ToList();
        }
    }

    /// <summary>What the dropped connection carried from the runtime before it was dropped.</summary>
    public string CutStream
    {
        get
        {
            lock (firstStream) return firstStream.ToString();
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = PipeAsync(client);
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using var _ = client;
        using var upstream = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await upstream.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), stop.Token);
        using var server = new NetworkStream(upstream, ownsSocket: false);
        var near = client.GetStream();
        using var done = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        var up = Copy(near, server, RecordRequests, done.Token);
        var down = Copy(server, near, CutAfterFirstLog, done.Token);
        await Task.WhenAny(up, down);
        done.Cancel();
        upstream.Shutdown(SocketShutdown.Both);
        client.Client.Shutdown(SocketShutdown.Both);
    }

    /// <summary>Copies until either side closes; <paramref name="seen"/> is told each chunk after it is passed on, and says whether to go on.</summary>
    private static async Task Copy(Stream from, Stream to, Func<string, bool> seen, CancellationToken cancellationToken)
    {
        var buffer = new byte[16384];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                await to.FlushAsync(cancellationToken);
                if (!seen(Encoding.UTF8.GetString(buffer, 0, read))) return;
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
        {
        }
    }

    private bool RecordRequests(string chunk)
    {
        // The CLI's requests are GETs and small POSTs, each head in one chunk: good enough to read their headers.
        lock (requests)
            foreach (var head in chunk.Split("\r\n\r\n").Where(h => h.StartsWith("GET ", StringComparison.Ordinal) || h.StartsWith("POST ", StringComparison.Ordinal)))
                requests.Add(head);
        return true;
    }

    private bool CutAfterFirstLog(string chunk)
    {
        if (Volatile.Read(ref cut) == 1 || !chunk.Contains("event: log", StringComparison.Ordinal)) return true;
        lock (firstStream) firstStream.Append(chunk);
        return Interlocked.Exchange(ref cut, 1) == 1;
    }
}

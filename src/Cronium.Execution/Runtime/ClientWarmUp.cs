using System.Net.Sockets;
using System.Text;

namespace Cronium.Execution.Runtime;

/// <summary>
/// The client's first request, made once against a stand-in that answers it, while the embedded runtime is still being
/// built: the HTTP client stack (SocketsHttpHandler, the JSON body and answer) is JIT-compiled on the otherwise idle
/// core instead of on the path of the run's first real request. Measured on 2 cores, bash no-op, interleaved medians:
/// −33 ms of 639 over 25 runs each (the first request −37 ms); done first and alone it costs 82 ms and saves about as
/// much later, so a single core loses nothing.
/// It is only an optimisation: whatever goes wrong with it is swallowed, and it never waits more than two seconds.
/// </summary>
internal static class ClientWarmUp
{
    private const string Answer = """{"runId":"warm-up","status":"running"}""";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(2);

    /// <summary>Starts the warm-up off the caller's thread, with a socket of its own in <paramref name="folder"/> (removed after).</summary>
    public static Task StartAsync(string folder) => Task.Run(async () =>
    {
        try
        {
            await RunAsync(folder);
        }
        catch (Exception)
        {
            // A warm-up that fails costs the run nothing but the time it would have saved.
        }
    });

    /// <returns>Once the request went through and its answer was read: the client's path is compiled.</returns>
    internal static async Task RunAsync(string folder)
    {
        var path = Path.Combine(folder, "warm-up.sock");
        using var cancel = new CancellationTokenSource(Patience);
        try
        {
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            var answered = AnswerOnceAsync(listener, cancel.Token);
            using (var client = new RuntimeClient("unix://" + path, "warm-up") { RequestTimeout = Patience })
            {
                var run = await client.CreateRunAsync(new JsonObject { ["kind"] = "event", ["name"] = "warm-up", ["input"] = new JsonObject { ["n"] = 1 } }, cancel.Token);
                if ((string?)run["runId"] != "warm-up") throw new InvalidDataException("the warm-up's answer was not read back");
            }
            await answered;
        }
        finally
        {
            if (File.Exists(path)) File.Delete(path);
        }
    }

    /// <summary>Reads one request, headers and body, and answers it as createRun would, then closes.</summary>
    private static async Task AnswerOnceAsync(Socket listener, CancellationToken cancellationToken)
    {
        using var socket = await listener.AcceptAsync(cancellationToken);
        var buffer = new byte[16 * 1024];
        var read = 0;
        while (!RequestComplete(buffer.AsSpan(0, read)))
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0) throw new EndOfStreamException("the warm-up's request ended early");
            read += n;
            if (read == buffer.Length) throw new InvalidDataException("the warm-up's request is larger than expected");
        }
        var response = $"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {Answer.Length}\r\nConnection: close\r\n\r\n{Answer}";
        await socket.SendAsync(Encoding.ASCII.GetBytes(response), cancellationToken);
    }

    /// <summary>The headers, then the body: Content-Length bytes, or chunks up to the last (JsonContent streams, so it is chunked).</summary>
    private static bool RequestComplete(ReadOnlySpan<byte> request)
    {
        var end = request.IndexOf("\r\n\r\n"u8);
        if (end < 0) return false;
        var headers = Encoding.ASCII.GetString(request[..end]);
        var body = request[(end + 4)..];
        if (headers.Contains("\r\ntransfer-encoding: chunked", StringComparison.OrdinalIgnoreCase)) return body.EndsWith("0\r\n\r\n"u8);
        const string Field = "\r\ncontent-length:";
        var at = headers.IndexOf(Field, StringComparison.OrdinalIgnoreCase);
        if (at < 0) return true;
        var value = headers[(at + Field.Length)..];
        var lineEnd = value.IndexOf('\r');
        return body.Length >= int.Parse(lineEnd < 0 ? value : value[..lineEnd], System.Globalization.CultureInfo.InvariantCulture);
    }
}

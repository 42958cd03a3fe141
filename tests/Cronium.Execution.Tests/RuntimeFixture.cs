using System.Text.Json.Nodes;
using Cronium.Execution.Backends;
using Cronium.Execution.Events;
using Cronium.Execution.Runtime;

namespace Cronium.Execution.Tests;

/// <summary>An embedded runtime (the one cronium run starts) on a SQLite file of the test class's own.</summary>
public sealed class RuntimeFixture : IAsyncLifetime
{
    private readonly DirectoryInfo data = Directory.CreateTempSubdirectory("cronium-exec-tests-");

    public EmbeddedRuntime Runtime { get; private set; } = null!;

    public RuntimeEndpoint Endpoint => new("unix://" + Runtime.SocketPath, Runtime.SocketPath);

    public async Task InitializeAsync() => Runtime = await EmbeddedRuntime.StartAsync(Path.Combine(data.FullName, "runtime.db"), default);

    public async Task DisposeAsync()
    {
        await Runtime.DisposeAsync();
        data.Delete(recursive: true);
    }
}

/// <summary>Collects what a job printed, by stream.</summary>
public sealed class CapturedOutput : IOutputSink
{
    private readonly System.Text.StringBuilder stdout = new();
    private readonly System.Text.StringBuilder stderr = new();

    public string Stdout { get { lock (stdout) return stdout.ToString(); } }
    public string Stderr { get { lock (stderr) return stderr.ToString(); } }

    public void Write(OutputStream stream, string text)
    {
        var target = stream == OutputStream.Stdout ? stdout : stderr;
        lock (target) target.Append(text);
    }
}

public static class Paths
{
    public static string Repository { get; } = FindRepository();

    public static string Examples => Path.Combine(Repository, "examples");

    public static EventDefinition Inline(Language language, string script, TimeSpan? timeout = null, ResourceLimits? resources = null) => new()
    {
        Name = "test-" + language.ToString().ToLowerInvariant(),
        Language = language,
        Script = script,
        Source = "inline",
        Timeout = timeout ?? TimeSpan.FromSeconds(30),
        Resources = resources ?? ResourceLimits.Default,
    };

    /// <summary>A script's view of the runtime, with the token it was given: what a leaked token could still do.</summary>
    public static async Task<int> StatusWithTokenAsync(EmbeddedRuntime runtime, string executionId, string token)
    {
        using var client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
                await s.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(runtime.SocketPath), ct);
                return new System.Net.Sockets.NetworkStream(s, true);
            },
        });
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var response = await client.GetAsync($"http://runtime/v1/executions/{executionId}/input");
        return (int)response.StatusCode;
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "openapi.yaml"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root (openapi.yaml) not found above the test binaries");
    }
}

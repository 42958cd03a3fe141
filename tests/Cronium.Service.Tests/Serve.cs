using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;

namespace Cronium.Service.Tests;

/// <summary>
/// One `cronium serve` process, as an operator starts it: on a Unix socket of its own (no port to race for), with
/// keys, a database, and its workers. Its log goes to a file the test prints when it fails.
/// </summary>
public sealed class ServeInstance : IAsyncDisposable
{
    public const string OrchestratorKey = "service-tests-orchestrator-key-0123456789abcdef";
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "cronium.dll");
    private static readonly string SigningKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly string CredentialKey = Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray());

    private readonly Process process;
    private readonly DirectoryInfo folder;

    private ServeInstance(Process process, DirectoryInfo folder, string socket)
    {
        this.process = process;
        this.folder = folder;
        Socket = socket;
        Http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
                return new NetworkStream(s, ownsSocket: true);
            },
        })
        { BaseAddress = new Uri("http://localhost") };
        Http.DefaultRequestHeaders.Authorization = new("Bearer", OrchestratorKey);
    }

    public string Socket { get; }

    /// <summary>What the scripts it runs see as CRONIUM_RUNTIME_API: tells instances apart.</summary>
    public string Api => "unix://" + Socket;

    public HttpClient Http { get; }

    public int Pid => process.Id;

    /// <summary>The log's errors, for a failed assertion's message.</summary>
    public string Failures => string.Join('\n', Log.Split('\n').SkipWhile(l => !l.StartsWith("fail", StringComparison.Ordinal)).Take(40));

    public string Log => File.Exists(Path.Combine(folder.FullName, "serve.log")) ? File.ReadAllText(Path.Combine(folder.FullName, "serve.log")) : "";

    /// <param name="postgres">The database, or null for the embedded SQLite file (in the instance's folder).</param>
    public static async Task<ServeInstance> StartAsync(string? postgres, int concurrency = 2, IDictionary<string, string>? settings = null)
    {
        var folder = Directory.CreateTempSubdirectory("cronium-serve-test-");
        var socket = Path.Combine(folder.FullName, "socket", "api.sock");
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Dll);
        info.ArgumentList.Add("serve");
        var env = new Dictionary<string, string>
        {
            // Its temporary folders (jobs, definitions being checked) inside the instance's own, removed with it,
            // even when the test kills it with SIGKILL and it cannot clean up after itself.
            ["TMPDIR"] = Directory.CreateDirectory(Path.Combine(folder.FullName, "tmp")).FullName,
            ["Runtime__ListenTcp"] = "false",
            ["Runtime__UnixSocket"] = socket,
            ["Runtime__SigningKey"] = SigningKey,
            ["Runtime__CredentialKey"] = CredentialKey,
            ["Runtime__OrchestratorKeys__0"] = OrchestratorKey,
            ["Runtime__Workers__Concurrency"] = concurrency.ToString(),
            ["Runtime__Workers__CancelPollMilliseconds"] = "200",
            ["Runtime__RateLimit__PermitsPerSecond"] = "100000",
            ["Runtime__SqlitePath"] = Path.Combine(folder.FullName, "data", "runtime.db"),
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["Logging__Console__FormatterName"] = "simple",
        };
        if (postgres is not null) env["ConnectionStrings__Postgres"] = postgres;
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) env[k] = v;
        foreach (var (k, v) in env) info.Environment[k] = v;
        var process = Process.Start(info)!;
        var log = new StreamWriter(Path.Combine(folder.FullName, "serve.log")) { AutoFlush = true };
        var pumps = Task.WhenAll(Pump(process.StandardOutput, log), Pump(process.StandardError, log));

        var instance = new ServeInstance(process, folder, socket);
        await Eventually.UntilAsync(() => instance.Ready() || process.HasExited, "cronium serve to answer /health/ready");
        if (process.HasExited)
        {
            await pumps.WaitAsync(TimeSpan.FromSeconds(10)); // its last words, then its folder goes
            var message = $"cronium serve exited ({process.ExitCode}):\n{instance.Log}";
            await instance.DisposeAsync();
            throw new InvalidOperationException(message);
        }
        return instance;
    }

    private static async Task Pump(StreamReader from, StreamWriter to)
    {
        while (await from.ReadLineAsync() is { } line)
            lock (to) to.WriteLine(line);
    }

    private bool Ready()
    {
        try
        {
            return File.Exists(Socket) && Http.GetAsync("/health/ready").GetAwaiter().GetResult().IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public async Task<JsonObject> PutEventAsync(string name, string yaml, IDictionary<string, string>? files = null)
    {
        var response = await Http.PutAsJsonAsync($"/v1/events/{name}", new { definition = yaml, files = files ?? new Dictionary<string, string>() });
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"PUT {name}: {(int)response.StatusCode} {body.ToJsonString()}");
        return body;
    }

    public async Task<string> StartRunAsync(string name, object? input = null)
    {
        var response = await Http.PostAsJsonAsync($"/v1/events/{name}/runs", new { input });
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"start {name}: {(int)response.StatusCode} {body.ToJsonString()}\n{Failures}");
        return (string)body["runId"]!;
    }

    public async Task<JsonObject> GetAsync(string path) =>
        JsonNode.Parse(await Http.GetStringAsync(path))!.AsObject();

    /// <summary>Every run of a definition, newest first, all pages.</summary>
    public async Task<List<JsonObject>> RunsOfAsync(string name)
    {
        var all = new List<JsonObject>();
        string? cursor = null;
        do
        {
            var page = await GetAsync($"/v1/runs?name={name}&limit=500" + (cursor is null ? "" : "&cursor=" + cursor));
            all.AddRange(page["items"]!.AsArray().Select(i => i!.AsObject()));
            cursor = (string?)page["nextCursor"];
        } while (cursor is not null);
        return all;
    }

    /// <summary>The output of a run's first execution (what the script set).</summary>
    public async Task<JsonNode?> OutputOfAsync(string runId)
    {
        var run = await GetAsync($"/v1/runs/{runId}");
        var execution = (string)run["executions"]![0]!["executionId"]!;
        return (await GetAsync($"/v1/executions/{execution}"))["output"]?.DeepClone();
    }

    public void Kill() => process.Kill(entireProcessTree: false);

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            // SIGTERM, as an operator's stop: the host stops gracefully.
            Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        Http.Dispose();
        process.Dispose();
        try
        {
            folder.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Scripts the tests schedule, written once.</summary>
public static class Scripts
{
    /// <summary>
    /// A bash event (quick to start) that sets as its output its input, its context (with scheduledAt), which instance
    /// ran it, and when it started and ended.
    /// </summary>
    public static string BashRecorder(string name, string? schedule = null, double sleepSeconds = 0.05) => $$"""
        name: {{name}}
        language: bash
        {{(schedule is null ? "" : "schedule: " + schedule)}}
        script: |
          start=$(date +%s.%N)
          input=$(cronium_input)
          sleep {{sleepSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}}
          cronium_output "{\"input\": ${input:-null}, \"event\": $(cronium_event), \"api\": \"$CRONIUM_RUNTIME_API\", \"start\": $start, \"end\": $(date +%s.%N)}"
        """;

    /// <summary>A Python event that sets as its output when it was meant to run, which instance ran it, and when it started and ended.</summary>
    public static string Recorder(string name, string? schedule = null, double sleepSeconds = 0) => new StringBuilder()
        .AppendLine($"name: {name}")
        .AppendLine("language: python")
        .AppendLine("timeout: 2m")
        .AppendLine(schedule is null ? "" : $"schedule: {schedule}")
        .AppendLine("script: |")
        .AppendLine("  import os, time, cronium")
        .AppendLine("  start = time.time()")
        .AppendLine($"  time.sleep({sleepSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)})")
        .AppendLine("  cronium.output({'scheduledAt': cronium.event().get('scheduledAt'), 'api': os.environ['CRONIUM_RUNTIME_API'],")
        .AppendLine("                  'start': start, 'end': time.time(), 'input': cronium.input()})")
        .ToString();
}

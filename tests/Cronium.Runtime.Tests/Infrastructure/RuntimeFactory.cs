using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cronium.Runtime.Tests.Infrastructure;

/// <summary>Which storage and cache a runtime under test uses.</summary>
public enum Backend { Sqlite, PostgresValkey }

/// <summary>
/// The runtime in-process (TestServer) on real storage and a real cache. Clients go through the full pipeline:
/// real tokens from createExecution, the real caller authentication, and every response checked against openapi.yaml.
/// </summary>
public sealed class RuntimeFactory : WebApplicationFactory<Program>
{
    public const string OrchestratorKey = "test-orchestrator-key-0123456789abcdef";

    /// <summary>Shared by every factory in the test run, so two instances accept each other's tokens.</summary>
    public static readonly string SigningKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    public static readonly string CredentialKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private readonly Dictionary<string, string?> settings;

    /// <summary>The folder of the SQLite file this factory made up itself, removed with the factory.</summary>
    private readonly TempFolder? ownFolder;

    public RuntimeFactory(Backend backend, IDictionary<string, string?>? overrides = null, string? postgres = null, string? sqlitePath = null)
    {
        Backend = backend;
        settings = new Dictionary<string, string?>
        {
            ["Runtime:SigningKey"] = SigningKey,
            ["Runtime:CredentialKey"] = CredentialKey,
            ["Runtime:OrchestratorKeys:0"] = OrchestratorKey,
            ["Runtime:RateLimit:PermitsPerSecond"] = "100000",
            ["Runtime:TokenGraceSeconds"] = "1",
            ["Runtime:ClockSkewSeconds"] = "0",
            ["Runtime:UnixSocket"] = "",
            // The stand-in providers listen on loopback; production allows only public addresses.
            ["Runtime:ToolActions:AllowedNetworks:0"] = "127.0.0.0/8",
        };
        if (backend == Backend.PostgresValkey)
        {
            settings["ConnectionStrings:Postgres"] = postgres ?? TestServices.NewPostgresDatabase();
            settings["ConnectionStrings:Valkey"] = TestServices.Valkey;
        }
        else
        {
            if (sqlitePath is null)
            {
                ownFolder = new TempFolder();
                sqlitePath = Path.Combine(ownFolder.Path, "runtime.db");
            }
            settings["Runtime:SqlitePath"] = sqlitePath;
        }
        if (overrides is not null)
            foreach (var (k, v) in overrides) settings[k] = v;
    }

    public Backend Backend { get; }

    /// <summary>The clock the runtime reads, in place of the system's: for tests that turn time themselves.</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>Every setting this runtime starts with (defaults for tests, then the overrides).</summary>
    public IReadOnlyDictionary<string, string?> Settings => settings;

    public string? Postgres => settings.GetValueOrDefault("ConnectionStrings:Postgres");

    public string? SqlitePath => settings.GetValueOrDefault("Runtime:SqlitePath");

    /// <summary>Every log line the runtime wrote, to prove what it says (cache degraded) and what it never says (secrets).</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration(c => c.AddInMemoryCollection(settings));
        builder.ConfigureLogging(l => l.AddProvider(new CapturingLoggerProvider(Logs)));
        if (Clock is { } clock) builder.ConfigureTestServices(s => s.AddSingleton(clock));
    }

    /// <summary>A client that checks every response against openapi.yaml.</summary>
    public HttpClient Client(string? bearer = null)
    {
        var client = CreateDefaultClient(new ContractCheckingHandler());
        if (bearer is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }

    public HttpClient Orchestrator() => Client(OrchestratorKey);

    /// <summary>A client that sends whatever it is given and checks nothing: for feeding the server bad input.</summary>
    public HttpClient RawClient() => CreateDefaultClient();

    public T Service<T>() where T : notnull => (T)Services.GetService(typeof(T))!;

    /// <summary>Whatever the tests did with this runtime, no secret they planted was logged or audited.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && Logs.FirstOrDefault(l => l.Contains(Canary.Marker, StringComparison.Ordinal)) is { } leaked)
            throw new InvalidOperationException($"A credential's secret was logged: {leaked}");
        base.Dispose(disposing);
        if (disposing) ownFolder?.Dispose();
    }
}

internal sealed class CapturingLoggerProvider(ConcurrentQueue<string> sink) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(sink, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<string> sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using Cronium.Runtime.Tests.Infrastructure;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cronium.Runtime.Tests;

/// <summary>A missing or invalid setting stops start-up with a message that names it.</summary>
public sealed class ConfigurationTests
{
    [Fact]
    public void ProductionWithoutKeysRefusesToStartNamingEachSetting()
    {
        var message = StartupError(new()
        {
            ["Runtime:SigningKey"] = "",
            ["Runtime:OrchestratorKeys:0"] = null,
            ["Runtime:CredentialKey"] = "",
        }, environment: "Production");

        Assert.Contains("Runtime:SigningKey is required in Production", message);
        Assert.Contains("Runtime:OrchestratorKeys is required in Production", message);
        Assert.Contains("Runtime:CredentialKey is required in Production", message);
    }

    [Theory]
    [InlineData("Runtime:SigningKey", "c2hvcnQ=", "Runtime:SigningKey is 40 bits; at least 256 are required.")]
    [InlineData("Runtime:SigningKey", "not base64!", "Runtime:SigningKey is not valid base64.")]
    [InlineData("Runtime:CredentialKey", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9w", "Runtime:CredentialKey is 336 bits; it must be exactly 256.")]
    [InlineData("Runtime:OrchestratorKeys:0", "too-short", "Runtime:OrchestratorKeys:0 is shorter than 32 characters.")]
    [InlineData("Runtime:ClockSkewSeconds", "300", "Runtime:ClockSkewSeconds must be between 0 and 30.")]
    [InlineData("Runtime:UnixSocketMode", "rw-rw-rw-", "Runtime:UnixSocketMode must be an octal mode")]
    [InlineData("Runtime:Limits:MaxRequestBodyBytes", "10", "Runtime:Limits:MaxRequestBodyBytes must be at least MaxValueBytes and MaxDataBytes.")]
    [InlineData("Runtime:RateLimit:PermitsPerSecond", "0", "Runtime:RateLimit:PermitsPerSecond must be at least 1.")]
    public void InvalidSettingRefusesToStartNamingIt(string setting, string value, string expected)
    {
        var message = StartupError(new() { [setting] = value });

        Assert.True(message.Contains(expected, StringComparison.Ordinal), message);
    }

    [Fact]
    public async Task OutsideProductionMissingKeysAreReplacedByEphemeralOnesAndSaidSo()
    {
        using var factory = new RuntimeFactory(Backend.Sqlite, new Dictionary<string, string?>
        {
            ["Runtime:SigningKey"] = "",
            ["Runtime:OrchestratorKeys:0"] = null,
            ["Runtime:CredentialKey"] = "",
        });

        var keys = factory.Service<Hosting.RuntimeKeys>();
        var live = await factory.Client().GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Contains(factory.Logs, l => l.Contains("Runtime:SigningKey is not set: using an ephemeral signing key"));
        Assert.Contains(factory.Logs, l => l.Contains("Runtime:OrchestratorKeys is not set"));
        var keyFile = keys.EphemeralOrchestratorKeyFile!;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(keyFile)!));
        var key = await File.ReadAllTextAsync(keyFile);
        Assert.DoesNotContain(factory.Logs, l => l.Contains(key));
        Assert.Equal(HttpStatusCode.NotFound, (await factory.Client(key).GetAsync($"/v1/executions/{Guid.NewGuid()}")).StatusCode);
        factory.Dispose();
        Assert.False(Directory.Exists(Path.GetDirectoryName(keyFile)), "the key and its folder go with the runtime");
    }

    [Fact]
    public void TheEphemeralKeyNeverLandsInAFileSomeoneElsePrepared()
    {
        // Before: a fixed name in /tmp, opened without O_EXCL, through links, keeping an existing file's mode.
        var first = EphemeralKeyFile();
        var second = EphemeralKeyFile();

        Assert.NotEqual(Path.GetDirectoryName(first), Path.GetDirectoryName(second));
        Assert.DoesNotContain(Environment.ProcessId.ToString(), Path.GetFileName(Path.GetDirectoryName(first)!) + Path.GetFileName(first));
    }

    private static string EphemeralKeyFile()
    {
        using var factory = new RuntimeFactory(Backend.Sqlite, new Dictionary<string, string?> { ["Runtime:OrchestratorKeys:0"] = null });
        return factory.Service<Hosting.RuntimeKeys>().EphemeralOrchestratorKeyFile!;
    }

    [Fact]
    public async Task RuntimeListensOnTcpAndOnAUnixSocketAContainerUserCanReach()
    {
        var dir = Directory.CreateTempSubdirectory("cronium-socket-");
        var socket = Path.Combine(dir.FullName, "runtime.sock");
        await using var app = Program.CreateApp(["--urls", "http://127.0.0.1:0"], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Runtime:SigningKey"] = RuntimeFactory.SigningKey,
            ["Runtime:CredentialKey"] = RuntimeFactory.CredentialKey,
            ["Runtime:OrchestratorKeys:0"] = RuntimeFactory.OrchestratorKey,
            ["Runtime:SqlitePath"] = Path.Combine(dir.FullName, "runtime.db"),
            ["Runtime:UnixSocket"] = socket,
        }));
        await app.StartAsync();

        using var overSocket = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
                return new NetworkStream(s, ownsSocket: true);
            },
        }) { BaseAddress = new Uri("http://runtime") };
        var viaSocket = await overSocket.GetStringAsync("/health/live");
        var tcp = app.Urls.Single(u => u.StartsWith("http://127.0.0.1", StringComparison.Ordinal));
        using var overTcp = new HttpClient { BaseAddress = new Uri(tcp) };
        var viaTcp = await overTcp.GetStringAsync("/health/live");
        var mode = File.GetUnixFileMode(socket);
        await app.StopAsync();

        Assert.Equal(("Healthy", "Healthy"), (viaSocket, viaTcp));
        Assert.True(mode.HasFlag(UnixFileMode.OtherWrite) && mode.HasFlag(UnixFileMode.OtherRead), $"socket mode is {mode}");
        Assert.False(File.Exists(socket));
        await app.DisposeAsync();
        dir.Delete(recursive: true);
    }

    [Fact]
    public async Task TheRuntimeMakesNoDataProtectionKeyAtStartOrWhenServing()
    {
        // ASP.NET's default is a key written unencrypted to ~/.aspnet/DataProtection-Keys; here the ring's store is
        // a recorder, so whatever would be written anywhere is seen.
        var store = new RecordingKeyStore();
        using var factory = new RuntimeFactory(Backend.Sqlite);
        await using var app = Program.CreateApp(["--urls", "http://127.0.0.1:0"], b =>
        {
            b.Configuration.AddInMemoryCollection(factory.Settings);
            b.Services.Configure<KeyManagementOptions>(o => o.XmlRepository = store);
        });
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", RuntimeFactory.OrchestratorKey);
        var created = await client.PostAsJsonAsync("/v1/executions", new { @event = new { id = "e", name = "e", type = "BASH" }, userId = "u" });
        await app.StopAsync();

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Empty(store.Stored);
    }

    private sealed class RecordingKeyStore : IXmlRepository
    {
        public List<string> Stored { get; } = [];

        public IReadOnlyCollection<XElement> GetAllElements() => [];

        public void StoreElement(XElement element, string friendlyName) => Stored.Add(friendlyName);
    }

    /// <summary>
    /// Starts the app itself, not through WebApplicationFactory: the factory runs the entry point on a thread of its
    /// own, and when start-up fails it can race the app's disposal and report ObjectDisposedException instead.
    /// </summary>
    private static string StartupError(Dictionary<string, string?> settings, string environment = "Testing")
    {
        using var factory = new RuntimeFactory(Backend.Sqlite, settings);
        var error = Assert.ThrowsAny<Exception>(() =>
        {
            var app = Program.CreateApp(["--environment", environment, "--urls", "http://127.0.0.1:0"],
                b => b.Configuration.AddInMemoryCollection(factory.Settings));
            try
            {
                app.StartAsync().GetAwaiter().GetResult();
            }
            finally
            {
                app.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        });
        return error is OptionsValidationException validation ? string.Join("\n", validation.Failures) : error.ToString();
    }
}

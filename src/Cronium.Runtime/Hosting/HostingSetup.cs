using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Cronium.Runtime.Hosting;

internal static class HostingSetup
{
    public const string DefaultUrl = "http://127.0.0.1:8081";

    public static WebApplicationBuilder AddRuntimeOptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RuntimeOptions>().BindConfiguration(RuntimeOptions.Section).ValidateOnStart();
        builder.Services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateOnStart();
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateOnStart();
        builder.Services.AddOptions<CacheOptions>().BindConfiguration(CacheOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RuntimeOptions>, RuntimeOptionsValidator>();
        builder.Services.AddSingleton<IValidateOptions<LimitsOptions>, LimitsOptionsValidator>();
        builder.Services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        builder.Services.AddSingleton<IValidateOptions<CacheOptions>, CacheOptionsValidator>();
        builder.Services.AddSingleton<RuntimeKeys>();
        builder.Services.AddHostedService<KeysAtStart>();
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }

    /// <summary>TCP (<c>Urls</c>, default 127.0.0.1:8081) and, when set, the Unix socket; Kestrel limits set explicitly.</summary>
    public static WebApplicationBuilder AddListeners(this WebApplicationBuilder builder)
    {
        var runtime = builder.Configuration.GetSection(RuntimeOptions.Section).Get<RuntimeOptions>() ?? new RuntimeOptions();
        var limits = builder.Configuration.GetSection(LimitsOptions.Section).Get<LimitsOptions>() ?? new LimitsOptions();

        var urls = new List<string>();
        if (runtime.ListenTcp)
        {
            var configured = builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey);
            urls.Add(string.IsNullOrWhiteSpace(configured) ? DefaultUrl : configured);
        }
        if (!string.IsNullOrWhiteSpace(runtime.UnixSocket))
        {
            PrepareSocketPath(runtime.UnixSocket);
            urls.Add("http://unix:" + Path.GetFullPath(runtime.UnixSocket));
        }
        if (urls.Count == 0)
            throw new OptionsValidationException(RuntimeOptions.Section, typeof(RuntimeOptions),
                ["Runtime:ListenTcp is false and Runtime:UnixSocket is not set: the runtime would listen nowhere."]);
        builder.WebHost.UseUrls(string.Join(';', urls));

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            k.Limits.MaxRequestHeaderCount = 64;
            k.Limits.MaxRequestLineSize = 8 * 1024;
            k.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(2);
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(30);
            k.Limits.MaxConcurrentConnections = 10_000;
            k.Limits.Http2.MaxStreamsPerConnection = 100;
        });
        builder.Services.AddHostedService<UnixSocketPermissions>();
        if (runtime.StopWhenInputCloses) builder.Services.AddHostedService<StopWhenInputCloses>();
        return builder;
    }

    /// <summary>A socket file left by a crashed instance would make the bind fail; anything else at that path is not ours to delete.</summary>
    private static void PrepareSocketPath(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var info = new FileInfo(full);
        if (!info.Exists) return;
        if (!IsSocket(full))
            throw new OptionsValidationException(RuntimeOptions.Section, typeof(RuntimeOptions),
                [$"Runtime:UnixSocket points at {full}, which exists and is not a socket."]);
        File.Delete(full);
    }

    private static bool IsSocket(string path)
    {
        try
        {
            // A Unix socket reports no regular-file attributes and cannot be opened for reading.
            using var _ = File.OpenRead(path);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }
}

/// <summary>Sets the socket's mode once Kestrel has created it, so a container's non-root user can connect.</summary>
internal sealed class UnixSocketPermissions(IOptions<RuntimeOptions> options, IHostApplicationLifetime lifetime, ILogger<UnixSocketPermissions> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var path = options.Value.UnixSocket;
        if (string.IsNullOrWhiteSpace(path)) return Task.CompletedTask;
        lifetime.ApplicationStarted.Register(() =>
        {
            var full = Path.GetFullPath(path);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(full, (UnixFileMode)Convert.ToInt32(options.Value.UnixSocketMode, 8));
            logger.LogInformation("Listening on unix:{Socket} (mode {Mode})", full, options.Value.UnixSocketMode);
        });
        lifetime.ApplicationStopped.Register(() =>
        {
            try { File.Delete(Path.GetFullPath(path)); } catch (IOException) { }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Decodes the keys at start, so a missing key is reported (and an ephemeral one made) before the first call.</summary>
internal sealed class KeysAtStart(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<RuntimeKeys>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

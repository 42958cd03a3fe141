namespace Cronium.Runtime.Caching;

internal static class CachingSetup
{
    /// <summary>Valkey when <c>ConnectionStrings:Valkey</c> is set; without it every read goes to storage.</summary>
    public static WebApplicationBuilder AddCaching(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RuntimeCache>();
        builder.Services.AddSingleton<CacheEpoch>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CacheEpoch>());
        return builder;
    }
}

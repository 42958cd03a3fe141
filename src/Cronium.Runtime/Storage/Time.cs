namespace Cronium.Runtime.Storage;

/// <summary>Stored times are epoch milliseconds; the API speaks ISO 8601 UTC.</summary>
internal static class Time
{
    public static long ToMs(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static DateTimeOffset? FromMs(long? ms) => ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;
}

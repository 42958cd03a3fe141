namespace Cronium.Runtime.Auth;

internal static class BearerToken
{
    private const string Prefix = "Bearer ";

    public static string? From(HttpContext http) => Span(http) is { IsEmpty: false } token ? token.ToString() : null;

    /// <summary>The token in <c>Authorization: Bearer …</c>, without a string of its own; empty when none.</summary>
    public static ReadOnlySpan<char> Span(HttpContext http)
    {
        var header = http.Request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)) return default;
        return value.AsSpan(Prefix.Length).Trim();
    }
}

namespace Cronium.Testing;

/// <summary>
/// A marker every secret the tests plant carries (webhook URLs from <see cref="LocalWebhook.Url"/>, email credentials
/// that add it): the runtimes under test check that it never appears in a response, a problem, a log line or an
/// audit row, across every test that uses them.
/// </summary>
public static class Canary
{
    public const string Marker = "canary-5e1f0c8a7d";
}

namespace Cronium.Runtime.Problems;

/// <summary>How a body that is not JSON, or not the expected shape, is described in a problem's detail.</summary>
internal static class JsonErrors
{
    public static string Describe(JsonException e) =>
        e.LineNumber is { } line
            ? $"The body is not valid JSON (line {line + 1}, byte {e.BytePositionInLine + 1}): {FirstSentence(e.Message)}"
            : $"The body is not valid JSON: {FirstSentence(e.Message)}";

    /// <summary>The reader's message without its trailing "Path: … LineNumber: …", which the problem already says better.</summary>
    public static string FirstSentence(string message)
    {
        foreach (var marker in new[] { " Path:", " LineNumber:" })
        {
            var cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
        }
        return message;
    }
}

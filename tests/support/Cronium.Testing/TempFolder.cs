namespace Cronium.Testing;

/// <summary>A temporary folder for one test, removed with what it holds.</summary>
public sealed class TempFolder : IDisposable
{
    public DirectoryInfo Info { get; } = Directory.CreateTempSubdirectory("cronium-test-folder-");

    public string Path => Info.FullName;

    public string Write(string name, string text)
    {
        var path = System.IO.Path.Combine(Info.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Safe to call twice, as Dispose should be (WebApplicationFactory's own disposal calls it again).</summary>
    public void Dispose()
    {
        Info.Refresh();
        if (Info.Exists) Info.Delete(recursive: true);
    }
}

/// <summary>What a test can ask about a process it caused.</summary>
public static class Processes
{
    /// <summary>Running, as opposed to gone or a zombie (killed, not yet reaped by whoever adopted it).</summary>
    public static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return false;
        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}

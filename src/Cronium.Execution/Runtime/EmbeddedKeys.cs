using System.Security.Cryptography;

namespace Cronium.Execution.Runtime;

/// <summary>
/// The embedded default's own keys, kept in its data folder (<c>keys.json</c>, mode 0600, the folder 0700) and
/// made on first use: a tool credential stored by one <c>cronium credentials set</c> can be decrypted by the next
/// <c>cronium run</c>. A keys file that others can read is refused rather than used.
/// </summary>
internal static class EmbeddedKeys
{
    public const string FileName = "keys.json";

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = Private | UnixFileMode.UserExecute;
    private const UnixFileMode OthersMayTouch = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public static (string SigningKey, string CredentialKey) LoadOrCreate(string folder)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("cronium's embedded runtime keeps private files with Unix modes.");
        Directory.CreateDirectory(folder, PrivateFolder);
        File.SetUnixFileMode(folder, PrivateFolder);
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) Create(path);

        var info = new FileInfo(path);
        if (info.LinkTarget is not null) throw new IOException($"{path} is a symbolic link; cronium keeps its keys in a regular file of its own.");
        if ((info.UnixFileMode & OthersMayTouch) != 0)
            throw new IOException($"{path} can be read by other users (mode {Convert.ToString((int)info.UnixFileMode, 8)}); run: chmod 600 {path}");
        var keys = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
        var signing = (string?)keys?["signingKey"];
        var credential = (string?)keys?["credentialKey"];
        if (signing is null || credential is null) throw new IOException($"{path} does not hold signingKey and credentialKey; move it away to start afresh (stored credentials are then unreadable).");
        return (signing, credential);
    }

    /// <summary>Written whole to a new private file, then renamed into place: a reader never sees half a file, and two first runs agree on one.</summary>
    private static void Create(string path)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException();
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        var keys = new JsonObject
        {
            ["signingKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["credentialKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        using (var stream = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = Private }))
            JsonSerializer.Serialize(stream, keys);
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
        }
    }
}

namespace Cronium.Execution.Runtime;

/// <summary>
/// Where a runtime started for jobs listens: <c>PREFIX*/socket/runtime.sock</c> under the temporary folder. The outer
/// folder is private to this user (0700); the socket's own folder is traversable (0755) so that a container's
/// non-root user reaches the socket through its bind mount, while the host path stays behind the private folder.
/// </summary>
public static class PrivateSocket
{
    /// <returns>The outer folder (the caller deletes it) and the socket's path.</returns>
    public static (DirectoryInfo Outer, string Socket) Create(string prefix)
    {
        var outer = Directory.CreateTempSubdirectory(prefix);
        var inner = Directory.CreateDirectory(Path.Combine(outer.FullName, "socket"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(outer.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.SetUnixFileMode(inner.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        return (outer, Path.Combine(inner.FullName, "runtime.sock"));
    }
}

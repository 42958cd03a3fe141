using System.Runtime.InteropServices;

namespace Cronium.Execution.Backends;

/// <summary>
/// Ends everything a local job started. The script runs as the leader of its own process group (started through
/// setsid), so one signal to the group ends it and whatever it forked; a process that left the group on purpose
/// (setsid, a double fork into a new session) is found by the execution id its environment still carries.
/// </summary>
internal static class ProcessSweep
{
    private const int SigKill = 9;

    /// <summary>util-linux's setsid, when the machine has it (Debian does); without it the job shares our group.</summary>
    public static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>The group the script leads (its pid is the group's id).</summary>
    public static void KillGroup(int leader)
    {
        if (Setsid is not null && leader > 1) Kill(-leader, SigKill);
    }

    public static void KillEverythingOf(int leader, string executionId)
    {
        KillGroup(leader);
        if (!Directory.Exists("/proc")) return;
        var marker = $"\0CRONIUM_EXECUTION_ID={executionId}\0";
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                // Readable only for our own processes: another user's are never touched.
                var environment = "\0" + File.ReadAllText(Path.Combine(dir, "environ"));
                if (environment.Contains(marker, StringComparison.Ordinal)) Kill(pid, SigKill);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours.
            }
        }
    }
}

using System.Globalization;
using System.Text;
using Cronium.Execution.Events;

namespace Cronium.Execution.Backends;

/// <summary>
/// One hardened container per execution: no network unless the event asks, read-only root with a tmpfs
/// scratch and a writable /work, all capabilities dropped, no-new-privileges, the image's non-root user,
/// pids, memory and CPU limits, the runtime's socket folder mounted at /run/cronium. The container is removed
/// on every path; containers left by a crashed run are found by label and removed at start.
/// </summary>
public sealed class DockerBackend : IExecutionBackend, IDisposable
{
    public const string ManagedLabel = "cronium.managed";
    public const string OwnerLabel = "cronium.owner-pid";
    public const string OwnerHostLabel = "cronium.owner-host";
    public const string OwnerBootLabel = "cronium.owner-boot";
    public const string ExecutionLabel = "cronium.execution";
    public const string ContainerSocketFolder = "/run/cronium";
    public const string ContainerUser = "10001:10001";

    private readonly DockerEngine docker;
    private readonly DockerOptions options;

    public DockerBackend(DockerOptions? options = null)
    {
        this.options = options ?? new DockerOptions();
        docker = new DockerEngine(this.options.Endpoint);
    }

    public string Name => "docker";

    /// <summary>
    /// Removes containers this tool started whose owning process is gone (a crash, a kill -9). A pid only means
    /// something on the host and boot that recorded it: a container of another host (a shared daemon) is left alone,
    /// and one of an earlier boot of this host is a leftover whatever its pid now names.
    /// </summary>
    public async Task<int> RemoveLeftoversAsync(CancellationToken cancellationToken)
    {
        var containers = await docker.ListAsync($"{ManagedLabel}=true", cancellationToken);
        var removed = 0;
        foreach (var container in containers)
        {
            if (!IsLeftover(container.Labels ?? [])) continue;
            await docker.RemoveAsync(container.Id, CancellationToken.None);
            removed++;
        }
        return removed;
    }

    internal static bool IsLeftover(IDictionary<string, string> labels)
    {
        if (!labels.TryGetValue(OwnerHostLabel, out var host) || host != Owner.Host) return false;
        if (!labels.TryGetValue(OwnerBootLabel, out var boot) || boot != Owner.Boot) return true;
        return !(labels.TryGetValue(OwnerLabel, out var owner) && int.TryParse(owner, CultureInfo.InvariantCulture, out var pid) && IsAlive(pid));
    }

    /// <summary>Who starts containers here: this host, this boot of it (Linux's boot id), this process.</summary>
    internal static class Owner
    {
        public static readonly string Host = Environment.MachineName;

        public static readonly string Boot = File.Exists("/proc/sys/kernel/random/boot_id") ? File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim() : "unknown";
    }

    public async Task<BackendResult> RunAsync(BackendRequest request, IOutputSink output, CancellationToken cancellationToken)
    {
        var socketFolder = request.Runtime.SocketPath is { } socket ? Path.GetDirectoryName(socket)!
            : throw new InvalidOperationException("The docker backend needs the runtime on a Unix socket (the embedded runtime, or --runtime unix:///...).");
        CheckSocketFolder(socketFolder, request.Runtime.SocketPath!);
        var work = PrepareWorkFolder(request);
        string? id = null;
        var ended = false;
        try
        {
            id = await docker.CreateAsync(Spec(request, work.FullName, socketFolder, Path.GetFileName(request.Runtime.SocketPath!)), cancellationToken);
            PhaseTimings.Mark("container-created");
            await docker.StartAsync(id, cancellationToken);
            PhaseTimings.Mark("script-started");
            var logs = StreamLogsAsync(id, output);

            var (termination, exitCode) = await WaitAsync(id, request.Event.Timeout, cancellationToken);
            PhaseTimings.Mark("script-exited");
            await Task.WhenAny(logs, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
            var result = termination switch
            {
                Termination.TimedOut => new BackendResult(null, Termination.TimedOut, $"killed after the {request.Event.Timeout.TotalSeconds:0.#} s timeout"),
                Termination.Cancelled => new BackendResult(null, Termination.Cancelled, "cancelled"),
                _ when exitCode == KilledExitCode && await docker.OutOfMemoryAsync(id, CancellationToken.None) => new BackendResult(exitCode, Termination.Exited,
                    $"killed: over the memory limit ({request.Event.Resources.MemoryBytes / (1024 * 1024)} MiB)"),
                _ => new BackendResult(exitCode, Termination.Exited),
            };
            ended = true;
            // The removal (a daemon round trip that unmounts and deletes the container) overlaps the execution's completion.
            return result with { Cleanup = CleanUpAsync(id, work) };
        }
        finally
        {
            if (!ended) await CleanUpAsync(id, work);
        }
    }

    private async Task CleanUpAsync(string? id, DirectoryInfo work)
    {
        try
        {
            if (id is not null) await docker.RemoveAsync(id, CancellationToken.None);
            PhaseTimings.Mark("container-removed");
        }
        finally
        {
            try { work.Parent!.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    public void Dispose() => docker.Dispose();

    private ContainerSpec Spec(BackendRequest request, string work, string socketFolder, string socketName)
    {
        var ev = request.Event;
        var environment = ev.Environment.Concat(request.ExtraEnvironment).Select(kv => $"{kv.Key}={kv.Value}").ToList();
        environment.Add($"CRONIUM_RUNTIME_API=unix://{ContainerSocketFolder}/{socketName}");
        environment.Add($"CRONIUM_EXECUTION_TOKEN={request.Token}");
        environment.Add($"CRONIUM_EXECUTION_ID={request.ExecutionId}");
        environment.Add("HOME=/tmp");
        environment.Add("PYTHONUNBUFFERED=1");
        var script = "/work/" + ev.FileName;
        return new ContainerSpec(
            Image: options.ImageFor(ev.Language),
            Cmd: ev.Language switch
            {
                Language.Bash => ["bash", script],
                Language.Python => ["python3", script],
                _ => ["node", script],
            },
            Env: environment,
            User: ContainerUser,
            WorkingDir: "/work",
            Labels: new Dictionary<string, string>
            {
                [ManagedLabel] = "true",
                [OwnerLabel] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
                [OwnerHostLabel] = Owner.Host,
                [OwnerBootLabel] = Owner.Boot,
                [ExecutionLabel] = request.ExecutionId,
            },
            NetworkDisabled: !ev.Network,
            HostConfig: new HostSpec(
                NetworkMode: ev.Network ? options.NetworkForEventsThatAsk : "none",
                ReadonlyRootfs: true,
                Tmpfs: new Dictionary<string, string> { ["/tmp"] = "rw,nosuid,nodev,size=64m" },
                Binds: [$"{work}:/work:rw", $"{options.SocketSource ?? socketFolder}:{ContainerSocketFolder}:ro"],
                CapDrop: ["ALL"],
                SecurityOpt: ["no-new-privileges"],
                PidsLimit: ev.Resources.Pids,
                Memory: ev.Resources.MemoryBytes,
                MemorySwap: ev.Resources.MemoryBytes,
                NanoCpus: (long)(ev.Resources.Cpus * 1_000_000_000)));
    }

    /// <summary>
    /// The socket's folder is what the container mounts (a folder, not the socket itself, so a runtime that restarts
    /// and makes a new socket is still reached). It must hold nothing but the socket: naming /run/x.sock would
    /// otherwise hand every job D-Bus, docker.sock and the rest of /run.
    /// </summary>
    private static void CheckSocketFolder(string folder, string socket)
    {
        var others = Directory.EnumerateFileSystemEntries(folder).Where(e => Path.GetFileName(e) != Path.GetFileName(socket)).Take(3).ToList();
        if (others.Count > 0)
            throw new IOException($"The runtime's socket {socket} shares its folder with {string.Join(", ", others.Select(Path.GetFileName))}; "
                + "jobs mount that folder, so give the runtime a folder of its own (e.g. /run/cronium/runtime.sock).");
    }

    /// <summary>
    /// The script in a folder the container's user can write, inside a new folder only this user can enter (0700):
    /// no other local user can swap the script or plant a module it imports. Docker (root) mounts the inner folder.
    /// The runner images resolve <c>import 'cronium'</c> themselves (/node_modules).
    /// </summary>
    private static DirectoryInfo PrepareWorkFolder(BackendRequest request)
    {
        var parent = Directory.CreateTempSubdirectory("cronium-job-");
        var work = parent.CreateSubdirectory("work");
        var script = Path.Combine(work.FullName, request.Event.FileName);
        File.WriteAllText(script, request.Event.Script);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(parent.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.SetUnixFileMode(work.FullName, (UnixFileMode)Convert.ToInt32("777", 8));
            File.SetUnixFileMode(script, (UnixFileMode)Convert.ToInt32("644", 8));
        }
        return work;
    }

    /// <summary>128 + SIGKILL: how a container the kernel killed for its memory ends, among other kills.</summary>
    private const int KilledExitCode = 137;

    /// <summary>
    /// The exit code comes with the wait's answer. Only a killed container (<see cref="KilledExitCode"/>) is inspected,
    /// to tell the memory limit from another kill: inspecting every container took 32-41 ms of each run.
    /// </summary>
    private async Task<(Termination Termination, int? ExitCode)> WaitAsync(string id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        try
        {
            return (Termination.Exited, await docker.WaitAsync(id, either.Token));
        }
        catch (OperationCanceledException)
        {
            // False when it stopped between the deadline and the kill: the deadline still decided the outcome.
            await docker.KillAsync(id, CancellationToken.None);
            return (cancellationToken.IsCancellationRequested ? Termination.Cancelled : Termination.TimedOut, null);
        }
    }

    private async Task StreamLogsAsync(string id, IOutputSink output)
    {
        await using var stream = await docker.FollowLogsAsync(id, CancellationToken.None);
        var frames = new DockerLogFrames(stream);
        var decoders = new Dictionary<OutputStream, Decoder>
        {
            [OutputStream.Stdout] = Encoding.UTF8.GetDecoder(),
            [OutputStream.Stderr] = Encoding.UTF8.GetDecoder(),
        };
        var buffer = new byte[8192];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        while (true)
        {
            var (target, read) = await frames.ReadAsync(buffer, CancellationToken.None);
            if (read == 0) return;
            var count = decoders[target].GetChars(buffer, 0, read, chars, 0, flush: false);
            if (count > 0) output.Write(target, new string(chars, 0, count));
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

using System.Text;
using Cronium.Execution.Events;

namespace Cronium.Execution.Backends;

/// <summary>
/// Runs the script as a local process: the interpreter from PATH, the helpers preloaded (no import needed),
/// output streamed as it comes. The script leads a session of its own (setsid), and when it ends, however it
/// ends, everything it started goes with it: its process group, and any process that left the group (setsid,
/// double fork) but still carries the execution's id in its environment. A job leaves nothing behind, as a
/// container would not. The script inherits this environment (minus any CRONIUM_* of ours; only
/// <see cref="MinimalEnvironment"/> when a service runs it) plus the event's.
/// </summary>
public sealed class ProcessBackend(HelperPaths helpers, bool inheritEnvironment = true) : IExecutionBackend
{
    /// <summary>What a script started by a service keeps of the service's environment: nothing that could hold its settings or secrets.</summary>
    /// <summary>
    /// Kills what an execution started on this machine, found by the execution id in its environment: what a service
    /// instance that died left running, ended by the instance that recovers its run.
    /// </summary>
    public static void KillLeftoversOf(string executionId) => ProcessSweep.KillEverythingOf(0, executionId);

    public static readonly string[] MinimalEnvironment = ["PATH", "HOME", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "USER", "LOGNAME", "SHELL"];

    public string Name => "process";

    public async Task<BackendResult> RunAsync(BackendRequest request, IOutputSink output, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("cronium-job-");
        try
        {
            var script = Path.Combine(work.FullName, request.Event.FileName);
            await File.WriteAllTextAsync(script, CroniumBashPaths.Adapt(request.Event, work.FullName, helpers), cancellationToken);
            if (request.Event.Language == Language.Node)
            {
                // import 'cronium' / require('cronium') resolve through node_modules beside the script.
                Directory.CreateDirectory(Path.Combine(work.FullName, "node_modules"));
                File.CreateSymbolicLink(Path.Combine(work.FullName, "node_modules", "cronium"), helpers.NodePackage);
            }

            using var process = new Process { StartInfo = StartInfo(request, script, work.FullName) };
            process.Start();
            PhaseTimings.Mark("script-started");
            process.StandardInput.Close();
            var pumps = Task.WhenAll(
                Pump(process.StandardOutput.BaseStream, OutputStream.Stdout, output),
                Pump(process.StandardError.BaseStream, OutputStream.Stderr, output));

            var termination = await WaitAsync(process, request.Event.Timeout, cancellationToken);
            PhaseTimings.Mark("script-exited");
            ProcessSweep.KillEverythingOf(process.Id, request.ExecutionId);
            // A descendant that escaped even that could hold the pipes open forever; the job is over regardless.
            await Task.WhenAny(pumps, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
            return termination switch
            {
                Termination.Exited => new BackendResult(process.ExitCode, Termination.Exited),
                Termination.TimedOut => new BackendResult(null, Termination.TimedOut, $"killed after the {request.Event.Timeout.TotalSeconds:0.#} s timeout"),
                _ => new BackendResult(null, Termination.Cancelled, "cancelled"),
            };
        }
        finally
        {
            try { work.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static async Task<Termination> WaitAsync(Process process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        try
        {
            await process.WaitForExitAsync(either.Token);
            return Termination.Exited;
        }
        catch (OperationCanceledException)
        {
            ProcessSweep.KillGroup(process.Id);
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            return cancellationToken.IsCancellationRequested ? Termination.Cancelled : Termination.TimedOut;
        }
    }

    private ProcessStartInfo StartInfo(BackendRequest request, string script, string workingDirectory)
    {
        var (file, arguments) = request.Event.Language switch
        {
            Language.Bash => ("bash", new[] { script }),
            Language.Python => ("python3", new[] { script }),
            _ => ("node", new[] { "--require", helpers.NodePreload, script }),
        };
        // setsid: the script leads a new session and process group, so the group can be killed as one.
        if (ProcessSweep.Setsid is { } setsid) (file, arguments) = (setsid, [file, .. arguments]);
        var info = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("CRONIUM_", StringComparison.Ordinal)
                     || (!inheritEnvironment && !MinimalEnvironment.Contains(k))).ToList())
            info.Environment.Remove(name);
        foreach (var (k, v) in request.Event.Environment) info.Environment[k] = v;
        foreach (var (k, v) in request.ExtraEnvironment) info.Environment[k] = v;
        info.Environment["CRONIUM_RUNTIME_API"] = request.Runtime.ApiUrl;
        info.Environment["CRONIUM_EXECUTION_TOKEN"] = request.Token;
        info.Environment["CRONIUM_EXECUTION_ID"] = request.ExecutionId;
        info.Environment["CRONIUM_HELPERS"] = helpers.Root;
        info.Environment["BASH_ENV"] = helpers.BashScript;
        info.Environment["PYTHONPATH"] = info.Environment.TryGetValue("PYTHONPATH", out var existing) && !string.IsNullOrEmpty(existing)
            ? helpers.PythonPreload + Path.PathSeparator + existing
            : helpers.PythonPreload;
        info.Environment["PYTHONUNBUFFERED"] = "1";
        return info;
    }

    internal static async Task Pump(Stream stream, OutputStream which, IOutputSink output)
    {
        var decoder = Encoding.UTF8.GetDecoder();
        var bytes = new byte[8192];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
        int read;
        while ((read = await stream.ReadAsync(bytes)) > 0)
        {
            var count = decoder.GetChars(bytes, 0, read, chars, 0, flush: false);
            if (count > 0) output.Write(which, new string(chars, 0, count));
        }
    }
}

using System.Collections.Concurrent;
using Cronium.Workflows.Chains;
using Cronium.Workflows.Definitions;
using Cronium.Workflows.Engine;

namespace Cronium.Workflows.Tests;

/// <summary>An embedded runtime (the one cronium run starts) on a SQLite file of the test class's own, and the engine on the process backend.</summary>
public sealed class EngineFixture : IAsyncLifetime
{
    private readonly DirectoryInfo data = Directory.CreateTempSubdirectory("cronium-wf-tests-");

    public EmbeddedRuntime Runtime { get; private set; } = null!;

    public RuntimeClient Client => Runtime.Client;

    public StepRunner Steps(IExecutionBackend? backend = null) =>
        new(new ExecutionRunner(Client, new RuntimeEndpoint("unix://" + Runtime.SocketPath, Runtime.SocketPath), backend ?? new ProcessBackend(HelperPaths.Locate())),
            new ToolActionRunner(Client));

    public WorkflowEngine Engine(IExecutionBackend? backend = null) => new(Steps(backend), Client);

    public ChainRunner Chains() => new(Steps(), Client);

    public async Task<WorkflowResult> RunAsync(Folder folder, string workflow, WorkflowRunOptions? options = null, Recorder? recorder = null, CancellationToken cancellationToken = default) =>
        await Engine().RunAsync(WorkflowLoader.Load(folder.Write("workflow.yaml", workflow)), options ?? new WorkflowRunOptions(), recorder ?? new Recorder(), cancellationToken);

    // The stand-in providers listen on loopback, which tool actions may not reach unless allowed.
    public async Task InitializeAsync() => Runtime = await EmbeddedRuntime.StartAsync(Path.Combine(data.FullName, "runtime.db"), default,
        new Dictionary<string, string?> { ["Runtime:ToolActions:AllowedNetworks:0"] = "127.0.0.0/8" });

    public async Task DisposeAsync()
    {
        await Runtime.DisposeAsync();
        data.Delete(recursive: true);
    }
}

public static class Describe
{
    /// <summary>Every node's status, exit code, error and output: what an assertion on a run should say when it fails.</summary>
    public static string Run(WorkflowResult result) =>
        $"{result.Status} ({result.Error}): " + string.Join("; ", result.Nodes.Select(n => $"{n.Key}={n.Value.Status} exit {n.Value.ExitCode} {n.Value.Error} {n.Value.Output?.ToJsonString()}"));
}

/// <summary>A temporary folder of definition files, removed afterwards.</summary>
public sealed class Folder : IDisposable
{
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("cronium-wf-");

    public string Path => dir.FullName;

    public string Write(string name, string text)
    {
        var path = System.IO.Path.Combine(dir.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    public string File_(string name) => System.IO.Path.Combine(dir.FullName, name);

    public void Dispose() => dir.Delete(recursive: true);
}

/// <summary>Everything a run reported, for assertions: starts, ends, notes and each step's output.</summary>
public sealed class Recorder : IRunObserver
{
    public ConcurrentQueue<(string Step, int Attempt)> Started { get; } = new();
    public ConcurrentDictionary<string, StepResult> Ended { get; } = new();
    public ConcurrentQueue<string> Notes { get; } = new();
    public ConcurrentDictionary<string, System.Text.StringBuilder> Outputs { get; } = new();

    public IOutputSink Output(string step) => new Sink(Outputs.GetOrAdd(step, _ => new()));

    public void StepStarted(string step, int attempt, string? executionId) => Started.Enqueue((step, attempt));

    public void StepEnded(string step, StepResult result) => Ended[step] = result;

    public void Note(string step, string message) => Notes.Enqueue($"{step}: {message}");

    public string OutputOf(string step) => Outputs.TryGetValue(step, out var b) ? b.ToString() : "";

    private sealed class Sink(System.Text.StringBuilder buffer) : IOutputSink
    {
        public void Write(OutputStream stream, string text)
        {
            lock (buffer) buffer.Append(text);
        }
    }
}

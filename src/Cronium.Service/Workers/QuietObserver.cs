using Cronium.Workflows.Steps;

namespace Cronium.Service.Workers;

/// <summary>
/// A service run has no terminal: each execution's output is recorded as its log by the execution layer (read with
/// getLogs, or followed as Server-Sent Events), and its steps as the run's record.
/// </summary>
internal sealed class QuietObserver : IRunObserver, IOutputSink
{
    public static readonly QuietObserver Instance = new();

    public IOutputSink Output(string step) => this;

    public void Write(OutputStream stream, string text)
    {
    }

    public void StepStarted(string step, int attempt, string? executionId)
    {
    }

    public void StepEnded(string step, StepResult result)
    {
    }

    public void Note(string step, string message)
    {
    }
}

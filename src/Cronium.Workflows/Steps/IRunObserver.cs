namespace Cronium.Workflows.Steps;

/// <summary>
/// What a run shows while it goes: each step's live output, its start and its end, and notes (a retry's wait).
/// The CLI draws these; a service could stream them. Called from several steps at once.
/// </summary>
public interface IRunObserver
{
    IOutputSink Output(string step);

    void StepStarted(string step, int attempt, string? executionId);

    void StepEnded(string step, StepResult result);

    void Note(string step, string message);
}

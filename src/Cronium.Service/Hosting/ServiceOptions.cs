namespace Cronium.Service.Hosting;

/// <summary><c>Runtime:DefinitionsPath</c>: a folder of event and workflow files loaded at start and when they change.</summary>
public sealed class ServiceOptions
{
    public const string Section = "Runtime";

    public string? DefinitionsPath { get; set; }
}

internal sealed class ServiceOptionsValidator : IValidateOptions<ServiceOptions>
{
    public ValidateOptionsResult Validate(string? name, ServiceOptions options) =>
        options.DefinitionsPath is { Length: > 0 } path && !Directory.Exists(path)
            ? ValidateOptionsResult.Fail($"Runtime:DefinitionsPath '{path}' is not a folder.")
            : ValidateOptionsResult.Success;
}

/// <summary><c>Runtime:Workers</c>: how many runs this instance runs at once, and on which backend.</summary>
public sealed class WorkerOptions
{
    public const string Section = "Runtime:Workers";

    public int Concurrency { get; set; } = Environment.ProcessorCount;

    /// <summary><c>process</c> (the default) or <c>docker</c> (recommended where several people's scripts share a machine).</summary>
    public string Backend { get; set; } = "process";

    /// <summary>How often a worker looks for a cancel request of the runs it runs, on whichever instance it was made.</summary>
    public int CancelPollMilliseconds { get; set; } = 500;

    /// <summary>
    /// How late a fire may start and still count as its own: a schedule fire later than this (the service was down)
    /// is a misfire, and all of a schedule's misfires run once, on recovery, as one run.
    /// </summary>
    public int MisfireThresholdSeconds { get; set; } = 60;

    /// <summary>
    /// The docker backend, when this instance itself runs in a container: the volume (or host folder) that holds its
    /// Unix socket as the daemon sees it, which runner containers mount. Empty: the socket's own folder.
    /// </summary>
    public string? DockerSocketVolume { get; set; }
}

internal sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        var failures = new List<string>();
        if (options.Concurrency is < 1 or > 1024) failures.Add($"Runtime:Workers:Concurrency must be 1 to 1024 (got {options.Concurrency}).");
        if (options.Backend is not ("process" or "docker")) failures.Add($"Runtime:Workers:Backend must be process or docker (got '{options.Backend}').");
        if (options.CancelPollMilliseconds is < 50 or > 60_000) failures.Add("Runtime:Workers:CancelPollMilliseconds must be 50 to 60000.");
        if (options.MisfireThresholdSeconds is < 1 or > 86_400) failures.Add("Runtime:Workers:MisfireThresholdSeconds must be 1 to 86400.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

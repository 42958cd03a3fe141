namespace Cronium.Service.Workers;

/// <summary>The keys of a definition's job data (on the job) and of a started run's (on its one-off trigger).</summary>
internal static class JobData
{
    public const string Kind = "kind";
    public const string Name = "name";
    public const string FileName = "fileName";
    public const string Yaml = "yaml";
    public const string Files = "files";
    public const string Hash = "hash";
    public const string Overlap = "overlap";

    public const string RunId = "runId";
    public const string Input = "input";
    public const string UserId = "userId";
}

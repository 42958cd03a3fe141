using Cronium.Execution.Events;

namespace Cronium.Execution.Backends;

/// <summary>
/// Where Cronium's bash scripts look for the helper: <c>source /usr/local/bin/cronium.sh</c> (its runner images) or
/// <c>source cronium.sh</c> (its user docs, from the job's folder). On the process backend neither file need exist on
/// this machine, and a script under <c>set -e</c> would stop at that line: the job's folder gets a <c>cronium.sh</c>
/// link to the helper, and when /usr/local/bin/cronium.sh is missing here, the copy of the script that runs names that
/// link instead (the event's own file is never changed). Everything else in the script stays as written.
/// </summary>
public static class CroniumBashPaths
{
    public const string ImagePath = "/usr/local/bin/cronium.sh";

    public static string Adapt(EventDefinition ev, string workFolder, HelperPaths helpers)
    {
        if (ev.Language != Language.Bash || OperatingSystem.IsWindows()) return ev.Script;
        var link = Path.Combine(workFolder, "cronium.sh");
        File.CreateSymbolicLink(link, helpers.BashScript);
        // A path with blanks would need quotes the script does not have; such a folder keeps the script as written.
        if (File.Exists(ImagePath) || link.Any(char.IsWhiteSpace)) return ev.Script;
        return ev.Script.Replace(ImagePath, link, StringComparison.Ordinal);
    }
}

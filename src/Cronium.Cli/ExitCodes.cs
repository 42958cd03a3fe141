namespace Cronium.Cli;

/// <summary>cronium run exits with the script's own code, or one of these.</summary>
internal static class ExitCodes
{
    /// <summary>Bad arguments or a bad event file.</summary>
    public const int Usage = 2;

    /// <summary>cronium itself failed: the runtime or the backend (like docker run's 125).</summary>
    public const int RuntimeError = 125;

    /// <summary>The script ran past its timeout and was killed (like timeout(1)).</summary>
    public const int TimedOut = 124;

    /// <summary>Ctrl-C or SIGTERM (128 + SIGINT).</summary>
    public const int Cancelled = 130;
}

// Processes, signals, Unix sockets and containers: these tests run on Linux.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

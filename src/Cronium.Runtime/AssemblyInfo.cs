// The runtime serves Unix sockets and sets Unix file modes: it runs on Linux (and macOS), not Windows.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

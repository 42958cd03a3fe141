// The runtime and these tests use Unix sockets and file modes: they run on Linux.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

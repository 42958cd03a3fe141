// cronium serve runs on Linux (its workers use process sessions, Unix sockets and Docker); so do its tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

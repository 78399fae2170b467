using System.Runtime.Versioning;

// The worker drives Podman over a unix socket and runs only on Linux.
[assembly: SupportedOSPlatform("linux")]

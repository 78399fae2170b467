using System.Runtime.Versioning;

// The worker runs only on Linux, and so do its tests.
[assembly: SupportedOSPlatform("linux")]

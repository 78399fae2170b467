using System.Runtime.Versioning;

// The worker, its fakes and the /proc sampling here are Linux-only.
[assembly: SupportedOSPlatform("linux")]

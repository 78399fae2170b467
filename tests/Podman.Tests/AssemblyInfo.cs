// The integration tests share one Podman service and 2 CPU cores; running them one at a
// time keeps their timings (cancellation within 10 s) meaningful.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

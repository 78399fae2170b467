namespace QuayBuilder.TestSupport;

/// <summary>
/// Waits for something a fake or a process records (a log line arrived, a counter moved) instead
/// of sleeping a guessed time: returns as soon as it holds, fails the test with what was awaited
/// when it does not hold within the timeout.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    public static async Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds:0.#} s for {what}");
            }

            await Task.Delay(Interval);
        }
    }
}

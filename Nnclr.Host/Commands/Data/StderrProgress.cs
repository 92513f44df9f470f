namespace Nnclr.Host.Commands.Data;

/// <summary>Progress lines to stderr, synchronously (IProgress&lt;T&gt;'s Progress class would post to the thread pool and reorder).</summary>
internal sealed class StderrProgress(string prefix) : IProgress<string>
{
    public void Report(string value) => Console.Error.WriteLine($"[{prefix}] {value}");
}

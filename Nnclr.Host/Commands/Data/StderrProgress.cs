using System.Diagnostics;

namespace Nnclr.Host.Commands.Data;

/// <summary>
/// Progress of a long command on stderr, synchronously (IProgress&lt;T&gt;'s Progress class would post to the thread pool
/// and reorder). On a terminal one line is redrawn in place; otherwise (a log file, a pipe) the first message, then at
/// most one every <see cref="LogPeriod"/>, and the last one at <see cref="End"/>: a log of a long ingest stays a few lines.
/// </summary>
internal sealed class StderrProgress(string prefix, TextWriter? writer = null, bool? terminal = null) : IProgress<string>
{
    /// <summary>Least time between two progress lines in a log.</summary>
    public static readonly TimeSpan LogPeriod = TimeSpan.FromSeconds(10);

    private readonly TextWriter _out = writer ?? Console.Error;
    private readonly bool _terminal = terminal ?? !Console.IsErrorRedirected;
    private readonly Stopwatch _clock = new();
    // The last message not yet written (a log), or the line on screen has no newline yet (a terminal).
    private string? _pending;
    private bool _openLine;
    private readonly object _gate = new();

    public void Report(string value)
    {
        lock (_gate)
        {
            bool due = !_clock.IsRunning || _clock.Elapsed >= (_terminal ? TimeSpan.FromMilliseconds(100) : LogPeriod);
            _pending = value;
            if (!due) return;
            _clock.Restart();
            Write(value);
        }
    }

    /// <summary>Writes the last message if it was held back, and ends the terminal line.</summary>
    public void End()
    {
        lock (_gate)
        {
            if (_pending is { } last) Write(last);
            if (_openLine) _out.WriteLine();
            _openLine = false;
            _out.Flush();
        }
    }

    private void Write(string value)
    {
        _pending = null;
        if (_terminal)
        {
            _out.Write($"\r\u001b[2K[{prefix}] {value}");
            _openLine = true;
        }
        else _out.WriteLine($"[{prefix}] {value}");
        _out.Flush();
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Session;

/// <summary>
/// The terminal progress bar of `nnclr train` (text logs on a terminal): one line redrawn in place with plain ANSI,
/// "[██████░░░░]  42% step 420/1000 epoch 3 | 01:12 elapsed, ETA 01:39 | 1,234 img/s | loss 4.8123 | nn-acc 12.3%".
/// ETA extrapolates the rate since the first interval this process saw (so a resumed run's ETA is not skewed).
/// </summary>
public sealed class ProgressBar
{
    // Cells of the bar itself.
    private const int Cells = 24;
    // Started when the run started (this process).
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    // Total steps of the run.
    private readonly long _total;
    // The first interval's step and time: the rate is measured from there.
    private long _firstStep = -1;
    private TimeSpan _firstTime;
    // Reused for every line.
    private readonly StringBuilder _line = new(200);

    public ProgressBar(long totalSteps) => _total = totalSteps;

    /// <summary>The line for interval <paramref name="m"/>: carriage return, clear line, bar and figures (no newline).</summary>
    public string Line(IntervalMetrics m)
    {
        var elapsed = _clock.Elapsed;
        if (_firstStep < 0) (_firstStep, _firstTime) = (m.Step, elapsed);
        double fraction = _total > 0 ? Math.Clamp(m.Step / (double)_total, 0, 1) : 0;
        long done = m.Step - _firstStep;
        string eta = done > 0 && m.Step < _total ? Clock(TimeSpan.FromSeconds((elapsed - _firstTime).TotalSeconds / done * (_total - m.Step))) : "--:--";
        _line.Clear();
        AppendBar(_line, fraction);
        _line.Append(CultureInfo.InvariantCulture, $" {fraction * 100,3:F0}% step {m.Step}/{_total} epoch {m.Epoch} | {Clock(elapsed)} elapsed, ETA {eta}");
        _line.Append(CultureInfo.InvariantCulture, $" | {m.ImagesPerSecond:N0} img/s | loss {m.Loss:F4} | nn-acc {m.NnAccuracy:P1}");
        if (double.IsFinite(m.OnlineTop1)) _line.Append(CultureInfo.InvariantCulture, $" | online top-1 {m.OnlineTop1:P1}");
        return _line.ToString();
    }

    /// <summary>Carriage return, clear line, then "[██████░░░░]" filled to <paramref name="fraction"/> (0–1).</summary>
    public static void AppendBar(StringBuilder line, double fraction)
    {
        int full = (int)Math.Round(Math.Clamp(fraction, 0, 1) * Cells);
        line.Append("\r\u001b[2K[").Append('█', full).Append('░', Cells - full).Append(']');
    }

    /// <summary>"mm:ss", or "h:mm:ss" from an hour.</summary>
    public static string Clock(TimeSpan t) =>
        t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"mm\:ss", CultureInfo.InvariantCulture);
}

using Nnclr.Data;
using Nnclr.Model;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Metrics;

/// <summary>
/// Keeps &lt;run-dir&gt;/status.json current while a run lives: state, step/total, ETA, last loss, images/s, bottleneck,
/// last checkpoint, last evaluation, and who writes it (pid, process start, host). Rewritten atomically on every log
/// interval, checkpoint, evaluation and state change, and every <c>period</c> by a timer, so a fresh
/// <c>updated_at</c> also says the process is responsive (e.g. during a long final evaluation). `nnclr status` reads it.
/// </summary>
public sealed class RunHeartbeat : IPipelineObserver, IEvaluationObserver, IDisposable
{
    // status.json's path.
    private readonly string _path;
    // Images per step, for the ETA.
    private readonly int _batchSize;
    // Rewrites the file every period; disposed with the heartbeat.
    private readonly Timer _timer;
    // Serialises updates and writes (train, checkpoint, evaluation and timer threads).
    private readonly object _gate = new();
    // Everything written; guarded by _gate.
    private readonly RunStatus _status;
    // Set once the run ended: later updates are ignored, the timer stops writing.
    private bool _ended;

    public RunHeartbeat(string runDir, int batchSize, long startStep, long totalSteps, string device, TimeSpan period)
    {
        _path = new RunDirectory(runDir).Status;
        _batchSize = batchSize;
        using var self = Process.GetCurrentProcess();
        var now = DateTimeOffset.UtcNow;
        _status = new RunStatus
        {
            State = "training", Pid = Environment.ProcessId, Host = Environment.MachineName,
            ProcessStartedAt = new DateTimeOffset(self.StartTime.ToUniversalTime(), TimeSpan.Zero),
            StartedAt = now, UpdatedAt = now, Step = startStep, StartStep = startStep, TotalSteps = totalSteps, Device = device,
        };
        Write();
        _timer = new Timer(_ => Write(), null, period, period);
    }

    /// <summary>Sets the state ("training", "evaluating").</summary>
    public void SetState(string state) => Update(s => s.State = state);

    /// <summary>The run ended: final state ("completed", "stopped", "failed"), exit code and error; written at once.</summary>
    public void End(string state, int exitCode, string? error)
    {
        Update(s => { s.State = state; s.ExitCode = exitCode; s.Error = error; s.EtaSeconds = state == "completed" ? 0 : null; s.FinishedAt = DateTimeOffset.UtcNow; });
        lock (_gate) _ended = true;
    }

    public void OnInterval(IntervalMetrics m) => Update(s =>
    {
        s.Step = m.Step;
        s.Epoch = m.Epoch;
        s.Loss = double.IsFinite(m.Loss) ? m.Loss : null;
        s.LearningRate = m.LearningRate;
        s.NnAccuracy = m.NnAccuracy;
        s.OnlineTop1 = double.IsFinite(m.OnlineTop1) ? m.OnlineTop1 : null;
        s.ImagesPerSecond = Math.Round(m.ImagesPerSecond, 2);
        s.Bottleneck = m.Stages.BottleneckStage;
        double stepsPerSecond = m.ImagesPerSecond / _batchSize;
        s.EtaSeconds = stepsPerSecond > 0 ? Math.Round(Math.Max(0, s.TotalSteps - m.Step) / stepsPerSecond, 1) : null;
    });

    public void OnCheckpoint(CheckpointMeta meta) => Update(s =>
    {
        s.LastCheckpointStep = meta.Step;
        s.LastCheckpointAt = DateTimeOffset.UtcNow;
        s.LastCheckpointSeconds = Math.Round(meta.WriteSeconds, 4);
    });

    public void OnEvaluation(EvaluationResult r) => Update(s =>
    {
        if (r.Kind != "knn") return;
        s.LastKnnTop1 = Math.Round(100 * r.Top1, 2);
        s.LastKnnStep = r.Step;
        s.LastKnnPhase = r.Phase;
        s.LastKnnAt = DateTimeOffset.UtcNow;
    });

    private void Update(Action<RunStatus> change)
    {
        lock (_gate)
        {
            if (_ended) return;
            change(_status);
        }
        Write();
    }

    // Best effort: a heartbeat that cannot be written must not fail the run (the run's own writes report the disk).
    private void Write()
    {
        lock (_gate)
        {
            if (_ended && File.Exists(_path) && _status.FinishedAt is not null && _status.UpdatedAt >= _status.FinishedAt) return;
            _status.UpdatedAt = DateTimeOffset.UtcNow;
            try
            {
                AtomicFile.WriteAllText(_path, _status.ToJson());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        Write();
    }
}

using Nnclr.Model;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Metrics;

/// <summary>
/// The run's training instruments on <see cref="System.Diagnostics.Metrics"/> (meter <see cref="MeterName"/>), named and
/// with units as OpenTelemetry recommends: loss, learning rate, NN accuracy, throughput, steps and images done, kNN
/// accuracy, checkpoint write time, process memory and (on CUDA) GPU memory. Fed by the pipeline's observer calls (train, checkpoint and
/// evaluation threads); gauges are read when an exporter collects, so the train thread only stores a few numbers.
/// </summary>
public sealed class TrainingMeter : IPipelineObserver, IEvaluationObserver, IDisposable
{
    /// <summary>The meter's name (the stages are on <see cref="PipelineMeter.MeterName"/>).</summary>
    public const string MeterName = "Nnclr.Training";

    // Owns every instrument; disposing it ends publication.
    private readonly Meter _meter;
    // Steps trained by this process (a resumed run starts counting again at 0).
    private readonly Counter<long> _steps;
    // Images trained by this process (one image = two views).
    private readonly Counter<long> _images;
    // Seconds each checkpoint took to write.
    private readonly Histogram<double> _checkpointDuration;
    // Images per step.
    private readonly int _batchSize;
    // Step reached at the last interval (the start step before the first); written by the train thread only.
    private long _lastStep;
    // Latest interval values, NaN before the first; read by the collecting thread.
    private double _loss = double.NaN, _lr = double.NaN, _nnAccuracy = double.NaN, _imagesPerSecond = double.NaN;
    // Latest kNN top-1/top-5 (0–1) and their phase ("periodic"/"final"); null before the first.
    private volatile EvaluationResult? _knn;

    /// <param name="batchSize">Images per step.</param>
    /// <param name="startStep">The step the run starts from (a resumed checkpoint's).</param>
    /// <param name="totalSteps">The step the run ends at.</param>
    /// <param name="gpu">Reads this process's GPU memory on a CUDA device; null on the CPU (no GPU instrument).</param>
    public TrainingMeter(int batchSize, long startStep, long totalSteps, GpuMemoryProbe? gpu = null)
    {
        (_batchSize, _lastStep) = (batchSize, startStep);
        _meter = new Meter(MeterName);
        _steps = _meter.CreateCounter<long>("nnclr.train.steps", "{step}", "Training steps done by this process");
        _images = _meter.CreateCounter<long>("nnclr.train.images", "{image}", "Training images done by this process (two views each)");
        _meter.CreateObservableGauge("nnclr.train.step", () => Volatile.Read(ref _lastStep), "{step}", "Step reached (including a resumed checkpoint's)");
        _meter.CreateObservableGauge("nnclr.train.step.end", () => totalSteps, "{step}", "Step the run ends at");
        _meter.CreateObservableGauge("nnclr.train.loss", () => Finite(Volatile.Read(ref _loss)), "1", "Mean NNCLR loss of the last log interval");
        _meter.CreateObservableGauge("nnclr.train.lr", () => Finite(Volatile.Read(ref _lr)), "1", "Learning rate of the last step");
        _meter.CreateObservableGauge("nnclr.train.nn_accuracy", () => Finite(Volatile.Read(ref _nnAccuracy)), "1", "Fraction of nearest neighbours with the sample's label, last interval");
        _meter.CreateObservableGauge("nnclr.train.throughput", () => Finite(Volatile.Read(ref _imagesPerSecond)), "{image}/s", "Training images per second over the last interval");
        _meter.CreateObservableGauge("nnclr.eval.knn.top1", () => Knn(k => k.Top1), "1", "kNN top-1 accuracy of the last evaluation, by phase=periodic|final");
        _meter.CreateObservableGauge("nnclr.eval.knn.top5", () => Knn(k => k.Top5), "1", "kNN top-5 accuracy of the last evaluation, by phase=periodic|final");
        _checkpointDuration = _meter.CreateHistogram<double>("nnclr.checkpoint.duration", "s", "Time to write one checkpoint (snapshot to fsynced file)");
        _meter.CreateObservableUpDownCounter("nnclr.process.memory.usage", ObserveMemory, "By", "Process memory, by type=rss|managed");
        if (gpu is not null)
            _meter.CreateObservableUpDownCounter("nnclr.gpu.memory.usage", () => Gpu(gpu), "By", "GPU memory used by this process (nvidia-smi, every GPU)");
    }

    public void OnInterval(IntervalMetrics m)
    {
        long done = m.Step - _lastStep;
        if (done > 0)
        {
            _steps.Add(done);
            _images.Add(done * _batchSize);
        }
        Volatile.Write(ref _lastStep, m.Step);
        Volatile.Write(ref _loss, m.Loss);
        Volatile.Write(ref _lr, m.LearningRate);
        Volatile.Write(ref _nnAccuracy, m.NnAccuracy);
        Volatile.Write(ref _imagesPerSecond, m.ImagesPerSecond);
    }

    public void OnCheckpoint(CheckpointMeta meta) => _checkpointDuration.Record(meta.WriteSeconds, new KeyValuePair<string, object?>("final", meta.Final));

    public void OnEvaluation(EvaluationResult result)
    {
        if (result.Kind == "knn") _knn = result;
    }

    private static IEnumerable<Measurement<double>> Finite(double v)
    {
        if (double.IsFinite(v)) yield return new Measurement<double>(v);
    }

    private IEnumerable<Measurement<double>> Knn(Func<EvaluationResult, double> pick)
    {
        if (_knn is { } k && double.IsFinite(pick(k))) yield return new Measurement<double>(pick(k), new KeyValuePair<string, object?>("phase", k.Phase));
    }

    private static IEnumerable<Measurement<long>> ObserveMemory()
    {
        using var self = Process.GetCurrentProcess();
        yield return new Measurement<long>(self.WorkingSet64, new KeyValuePair<string, object?>("type", "rss"));
        yield return new Measurement<long>(GC.GetTotalMemory(false), new KeyValuePair<string, object?>("type", "managed"));
    }

    private static IEnumerable<Measurement<long>> Gpu(GpuMemoryProbe gpu)
    {
        if (gpu.UsedBytes() is { } bytes) yield return new Measurement<long>(bytes);
    }

    public void Dispose() => _meter.Dispose();
}

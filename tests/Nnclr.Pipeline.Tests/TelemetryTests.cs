using Nnclr.Model;
using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using System.Text;
using Nnclr.Data.Shards;
using Nnclr.Pipeline.Metrics;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Tests;

public sealed class TelemetryTests : IDisposable
{
    // Scratch directory, deleted afterwards.
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nnclr-telemetry-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Snapshot_WaitInProgress_CountsAsWaitNotBusy()
    {
        var m = new StageMetrics("checkpoint", null);
        m.Start();
        m.BeginInputWait();
        Thread.Sleep(300); // the stage waits for its first snapshot and nothing else happens
        var s = m.Snapshot();

        Assert.True(s.InputWaitSeconds > 0.25, $"input wait {s.InputWaitSeconds}");
        Assert.True(s.BusyFraction < 0.2, $"busy {s.BusyFraction} while only waiting");
    }

    [Fact]
    public void Snapshot_WaitEnded_CountedOnce()
    {
        var m = new StageMetrics("train", null);
        m.Start();
        long t = m.BeginInputWait();
        Thread.Sleep(100);
        m.AddInputWait(t);
        var s = m.Snapshot();

        Assert.InRange(s.InputWaitSeconds, 0.09, s.WallSeconds);
    }

    [Fact]
    public void TrainingMeter_IntervalsCheckpointAndKnn_PublishesTrainingSeries()
    {
        using var meter = new TrainingMeter(batchSize: 8, startStep: 10, totalSteps: 100);
        var values = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) => { if (i.Meter.Name == TrainingMeter.MeterName) l.EnableMeasurementEvents(i); };
        // Gauges: the last value; the histogram: how many were recorded; counters: the sum.
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => values[Key(i, tags)] = i is Histogram<double> ? values.GetValueOrDefault(Key(i, tags)) + 1 : v);
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => values[Key(i, tags)] = i is Counter<long> ? values.GetValueOrDefault(Key(i, tags)) + v : v);
        listener.Start();

        meter.OnInterval(Interval(step: 15, loss: 5.5));
        meter.OnInterval(Interval(step: 20, loss: 5.25));
        meter.OnCheckpoint(new CheckpointMeta { Step = 20, Cursor = new DataCursor(0, 160), Final = false, WriteSeconds = 0.5 });
        meter.OnEvaluation(new EvaluationResult("knn", "periodic", 20, 2, 0.4, 0.9, 3));
        listener.RecordObservableInstruments();

        Assert.Equal(10, values["nnclr.train.steps"]);
        Assert.Equal(80, values["nnclr.train.images"]);
        Assert.Equal(20, values["nnclr.train.step"]);
        Assert.Equal(100, values["nnclr.train.step.end"]);
        Assert.Equal(5.25, values["nnclr.train.loss"]);
        Assert.Equal(0.125, values["nnclr.train.lr"]);
        Assert.Equal(0.3, values["nnclr.train.nn_accuracy"]);
        Assert.Equal(0.4, values["nnclr.eval.knn.top1{phase=periodic}"]);
        Assert.Equal(1, values["nnclr.checkpoint.duration{final=False}"]);
        Assert.True(values["nnclr.process.memory.usage{type=rss}"] > 1 << 20);
    }

    private static string Key(Instrument i, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var sb = new StringBuilder(i.Name);
        if (tags.Length > 0)
        {
            sb.Append('{');
            foreach (var t in tags) sb.Append(t.Key).Append('=').Append(t.Value);
            sb.Append('}');
        }
        return sb.ToString();
    }

    private static IntervalMetrics Interval(long step, double loss) =>
        new(step, 0, loss, 0.3, 0.125, 1000, new StageReport([new StageSnapshot("train", step, 1, 1, 0, 0, 0, 0)], 8));

    [Fact]
    public void TensorBoardEventWriter_Scalars_ValidRecordsWithUnixWallTimes()
    {
        double before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - 1;
        string path;
        using (var w = new TensorBoardEventWriter(_dir))
        {
            w.AddScalar("eval/knn_top1", 42.5, 468);
            w.AddScalar("train/loss", 5.0, 500);
            path = w.Path;
        }
        double after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 + 1;

        var bytes = File.ReadAllBytes(path);
        var records = new List<byte[]>();
        for (int at = 0; at < bytes.Length;)
        {
            var header = bytes.AsSpan(at, 8);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            Assert.Equal(TensorBoardEventWriter.MaskedCrc(header), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8)));
            var data = bytes.AsSpan(at + 12, (int)length);
            Assert.Equal(TensorBoardEventWriter.MaskedCrc(data), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + (int)length)));
            records.Add(data.ToArray());
            at += 16 + (int)length;
        }
        Assert.Equal(3, records.Count);
        foreach (var r in records)
        {
            Assert.Equal(0x09, r[0]); // field 1 (wall_time), 64-bit
            Assert.InRange(BinaryPrimitives.ReadDoubleLittleEndian(r.AsSpan(1)), before, after);
        }
        Assert.Contains("brain.Event:2", Encoding.UTF8.GetString(records[0]));
        Assert.Contains("eval/knn_top1", Encoding.UTF8.GetString(records[1]));
        // The scalar's float is the record's last 4 bytes (Value.simple_value, the last field written).
        Assert.Equal(42.5f, BinaryPrimitives.ReadSingleLittleEndian(records[1].AsSpan(records[1].Length - 4)));
    }

    [Fact]
    public void MaskedCrc_KnownVector_MatchesCrc32C()
    {
        // CRC-32C("123456789") = 0xE3069283; masked as TFRecord does.
        uint crc = 0xE3069283u;
        Assert.Equal(((crc >> 15) | (crc << 17)) + 0xa282ead8u, TensorBoardEventWriter.MaskedCrc("123456789"u8));
    }

    [Fact]
    public void GpuMemoryProbe_StubNvidiaSmi_SumsThisProcesssLinesAndCaches()
    {
        Directory.CreateDirectory(_dir);
        var stub = Path.Combine(_dir, "nvidia-smi");
        var calls = Path.Combine(_dir, "calls");
        // Two GPUs used by this process, one line of another process; each call leaves a mark.
        File.WriteAllText(stub, $"#!/bin/sh\necho x >> {calls}\necho '{Environment.ProcessId}, 1500'\necho '1, 99999'\necho '{Environment.ProcessId}, 500'\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var probe = new GpuMemoryProbe(stub);

        Assert.Equal(2000L * 1024 * 1024, probe.UsedBytes());
        Assert.Equal(2000L * 1024 * 1024, probe.UsedBytes());
        Assert.Single(File.ReadAllLines(calls)); // the second answer came from the cache
    }

    [Fact]
    public void GpuMemoryProbe_NoNvidiaSmi_Null()
    {
        Assert.Null(new GpuMemoryProbe(Path.Combine(_dir, "missing-nvidia-smi")).UsedBytes());
        Assert.Null(GpuMemoryProbe.Parse("1, 200\n", Environment.ProcessId));
    }
}

using Nnclr.Data.Ingest;

namespace Nnclr.Host.Tests.Integration;

/// <summary>A small built-in demo dataset, generated once per test run, and the tiny-run flags the tests train with.</summary>
public sealed class DemoData : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "nnclr-it-" + Guid.NewGuid().ToString("N"));

    public string DataDir => Path.Combine(Root, "demo");

    public DemoData()
    {
        Directory.CreateDirectory(Root);
        DemoDataset.Generate(DataDir, trainCount: 640, testCount: 160, seed: 3);
    }

    /// <summary>A fresh run directory under <see cref="Root"/>.</summary>
    public string NewRunDir(string name) => Path.Combine(Root, name + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>`train` arguments for a tiny deterministic demo run of <paramref name="steps"/> steps.</summary>
    public string[] TrainArgs(string runDir, int steps, int checkpointEvery, params string[] extra) =>
    [
        "train", "--preset", "demo", "--data", DataDir, "--run-dir", runDir, "--max-steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--deterministic", "--log-every", "2",
        "--set", "Optim:BatchSize=32;Nnclr:SupportSetSize=256;Model:ProjectorHidden=64;Model:ProjectorOut=32;Model:PredictorHidden=64;" +
                 $"Checkpoint:EverySteps={checkpointEvery};Checkpoint:Keep=2;Eval:Baseline=false;Pipeline:AugmentThreads=2",
        .. extra,
    ];

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

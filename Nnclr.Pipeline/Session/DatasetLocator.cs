using Nnclr.Data.Ingest;
using Nnclr.Pipeline.Configuration;

namespace Nnclr.Pipeline.Session;

/// <summary>Finds a run's shard directory; generates the built-in demo dataset on first use.</summary>
public static class DatasetLocator
{
    /// <summary>Data:Dir, or data/&lt;dataset&gt; under the working directory.</summary>
    public static string DirectoryFor(DataOptions data) =>
        Path.GetFullPath(data.Dir.Length > 0 ? data.Dir : Path.Combine("data", data.Dataset));

    /// <summary>Returns a directory holding a complete dataset, or throws one clear error saying how to make it.</summary>
    public static string Ensure(DataOptions data, Action<string> log)
    {
        var dir = DirectoryFor(data);
        if (data.Dataset == "demo")
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            if (DemoDataset.EnsureCurrent(dir, data.DemoTrainCount, data.DemoTestCount, log))
                log(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"demo dataset generated in {clock.Elapsed.TotalSeconds:F1} s"));
            return dir;
        }
        if (!File.Exists(Path.Combine(dir, "manifest.json")))
        {
            var how = data.Dataset switch
            {
                "cifar10" => $"'./nnclr ingest cifar10 cifar-10-binary.tar.gz --out {dir}'",
                "cifar100" => $"'./nnclr ingest cifar100 cifar-100-binary.tar.gz --out {dir}'",
                "stl10" => $"'./nnclr ingest stl10 stl10_binary --out {dir}'",
                _ => $"'./nnclr ingest folder YOUR_FOLDER --format jpeg --out {dir}'",
            };
            throw new ConfigurationException($"Data:Dir: no {data.Dataset} shards in {dir} (no manifest.json). Ingest them first, e.g. {how}, or pass --data DIR.");
        }
        return dir;
    }
}

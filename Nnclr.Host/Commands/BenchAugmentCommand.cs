using System.Diagnostics;
using Nnclr.Data.Augment;
using Nnclr.Host.Cli;
using Nnclr.Host.Commands.Data;

namespace Nnclr.Host.Commands;

/// <summary>`nnclr bench augment`: two-view augmentation throughput, then torchvision's on the same cores, and the ratio per core.</summary>
public sealed class BenchAugmentCommand : ICliCommand
{
    public string Name => "bench augment";
    public string Summary => "views/s of the SIMD two-view augmentation vs torchvision on the same cores";
    public IReadOnlyList<CliOption> Options { get; } =
    [
        CliOption.Int("size", "Image and view side (pixels)", "32; 224 with --source"),
        CliOption.Int("threads", "Augmentation threads (the peer gets the same)", "all cores; 1 with --source"),
        CliOption.Double("seconds", "How long to measure", "5; 10 with --source", "T"),
        CliOption.Text("policy", "byol|cifar|crops-only", "Augmentation policy", "byol"),
        CliOption.Text("dtype", "fp32|bf16", "View element type", "fp32"),
        CliOption.Text("source", "DIR", "JPEG mode: every .jpg/.jpeg/.png of DIR, decoded and augmented"),
        CliOption.Text("peer", "PATH", "The torchvision peer script", "../shared/tools/tv_augment.py"),
        CliOption.Switch("no-peer", "Do not run the torchvision peer"),
        CliOption.Text("python", "PATH", "Python for the peer", "/usr/bin/python3"),
        SharedOptions.Json,
    ];

    public string Usage => """
          Input: 2,048 random size×size images (as the peer); output: size×size views, normalised, CHW.
          The peer is ../shared/tools/tv_augment.py run with /usr/bin/python3 (torchvision), same threads and seconds.
          JPEG mode: every .jpg/.jpeg/.png of DIR held as bytes in memory; per image one decode (DCT-scaled where both
          crops allow) + two S-px views, crops drawn on the full image. Default 1 thread, compared per core with
          ../shared/tools/tv_jpeg_augment.py (PIL decode + solo-learn's two views; one process, one core) on the same files.
          Prints images/s, images/s per core, the share of time in decode, and the ratio.
        """;

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        if (args.String("source") is { } source) return Task.FromResult(RunJpeg(args, source));
        int size = args.Int("size") ?? 32, threads = args.Int("threads") ?? Environment.ProcessorCount;
        double seconds = args.Double("seconds") ?? 5;
        var policyName = args.String("policy") ?? "byol";
        var dtype = args.String("dtype") ?? "fp32";
        bool noPeer = args.Flag("no-peer"), json = args.Flag("json");
        var peerPath = args.String("peer");
        var python = args.String("python") ?? "/usr/bin/python3";
        args.EnsureAllUsed();
        if (size < 8 || size > 1024) throw new CliException($"--size {size} must be in 8..1024");
        if (threads < 1) throw new CliException($"--threads {threads} must be ≥ 1");
        if (!(seconds > 0)) throw new CliException($"--seconds {seconds} must be > 0");
        if (dtype is not ("fp32" or "bf16")) throw new CliException($"--dtype {dtype}: choose fp32 or bf16");
        TwoViewPolicy policy;
        try { policy = TwoViewPolicy.FromName(policyName); }
        catch (ArgumentException e) { throw new CliException(e.Message); }

        Console.Error.WriteLine($"[bench] ours: {policyName} {size}px {dtype}, {threads} thread(s), {seconds} s");
        double ours = MeasureOurs(policy, size, threads, seconds, dtype == "bf16", out long views);
        double? peer = null;
        string peerDetail = "skipped (--no-peer)";
        if (!noPeer)
        {
            var script = TorchvisionPeer.Locate(peerPath);
            if (script is null) peerDetail = $"peer unavailable: {(peerPath ?? "../shared/tools/tv_augment.py")} not found";
            else
            {
                Console.Error.WriteLine($"[bench] peer: {python} {script} {threads} {seconds} {size}");
                (peer, peerDetail) = TorchvisionPeer.Run(python, script, threads, seconds, size);
            }
        }
        double? ratio = peer is > 0 ? ours / peer.Value : null;
        var result = new
        {
            size, threads, seconds, policy = policyName, dtype, cpuCores = Environment.ProcessorCount,
            ours = new { views, viewsPerSecond = Math.Round(ours), viewsPerSecondPerCore = Math.Round(ours / threads) },
            peer = new { available = peer is not null, viewsPerSecond = peer is null ? (double?)null : Math.Round(peer.Value), viewsPerSecondPerCore = peer is null ? (double?)null : Math.Round(peer.Value / threads), detail = peerDetail },
            ratioPerCore = ratio is null ? (double?)null : Math.Round(ratio.Value, 2),
        };
        if (json) JsonOut.Write(result);
        else
        {
            Console.WriteLine($"nnclr   {size}px {policyName} {dtype}, {threads} thread(s): {ours:F0} views/s, {ours / threads:F0} views/s per core");
            Console.WriteLine(peer is null ? $"torchvision: {peerDetail}" : $"torchvision {size}px, {threads} thread(s): {peer:F0} views/s, {peer / threads:F0} views/s per core  ({peerDetail})");
            if (ratio is not null) Console.WriteLine($"ratio per core: {ratio:F1}x");
        }
        return Task.FromResult(0);
    }

    private static int RunJpeg(CliArgs args, string source)
    {
        int size = args.Int("size") ?? 224, threads = args.Int("threads") ?? 1;
        double seconds = args.Double("seconds") ?? 10;
        var policyName = args.String("policy") ?? "byol";
        bool noPeer = args.Flag("no-peer"), json = args.Flag("json");
        var peerPath = args.String("peer");
        var python = args.String("python") ?? "/usr/bin/python3";
        args.EnsureAllUsed();
        if (size < 32 || size > 224) throw new CliException($"--size {size} must be in 32..224");
        if (threads < 1) throw new CliException($"--threads {threads} must be ≥ 1");
        if (!(seconds > 0)) throw new CliException($"--seconds {seconds} must be > 0");
        if (!Directory.Exists(source)) throw new CliException($"--source '{source}' is not a folder");
        TwoViewPolicy policy;
        try { policy = TwoViewPolicy.FromName(policyName); }
        catch (ArgumentException e) { throw new CliException(e.Message); }
        var paths = Directory.EnumerateFiles(source).Where(f => Path.GetExtension(f).ToLowerInvariant() is ".jpg" or ".jpeg" or ".png").Order(StringComparer.Ordinal).ToArray();
        if (paths.Length == 0) throw new CliException($"--source '{source}' holds no .jpg/.jpeg/.png files");
        var blobs = paths.Select(File.ReadAllBytes).ToArray();
        int maxSide = 0;
        foreach (var b in blobs)
        {
            using var codec = SkiaSharp.SKCodec.Create(SkiaSharp.SKData.CreateCopy(b)) ?? throw new CliException($"{paths[Array.IndexOf(blobs, b)]}: not a decodable image");
            maxSide = Math.Max(maxSide, Math.Max(codec.Info.Width, codec.Info.Height));
        }
        var aug = new JpegTwoViewAugmenter(policy, maxSide, size, Normalization.ImageNetMean, Normalization.ImageNetStd);
        Console.Error.WriteLine($"[bench] ours: {paths.Length} files from {source}, decode + 2 views at {size}px ({policyName}), {threads} thread(s), {seconds} s, JPEG decoder: {aug.Decoder}");
        long total = 0, decodeTicks = 0, busyTicks = 0;
        var start = new Barrier(threads + 1);
        long stopAt = long.MaxValue;
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var scratch = aug.CreateScratch();
            var v1 = new float[aug.ViewElements]; var v2 = new float[aug.ViewElements];
            var warm = Stopwatch.StartNew();
            for (long k = t; warm.Elapsed.TotalSeconds < 1.0; k += threads) aug.Augment(blobs[k % blobs.Length], 1, 0, k, v1, v2, scratch);
            start.SignalAndWait();
            long done = 0, decode = 0, key = t, begin = Stopwatch.GetTimestamp();
            while (Stopwatch.GetTimestamp() < Volatile.Read(ref stopAt))
            {
                decode += aug.Augment(blobs[key % blobs.Length], 1, 1, key, v1, v2, scratch, paths[key % blobs.Length]);
                key += threads; done++;
            }
            Interlocked.Add(ref total, done);
            Interlocked.Add(ref decodeTicks, decode);
            Interlocked.Add(ref busyTicks, Stopwatch.GetTimestamp() - begin);
        }) { IsBackground = true }).ToList();
        workers.ForEach(w => w.Start());
        start.SignalAndWait();
        long t0 = Stopwatch.GetTimestamp();
        Volatile.Write(ref stopAt, t0 + (long)(seconds * Stopwatch.Frequency));
        workers.ForEach(w => w.Join());
        double ours = total / Stopwatch.GetElapsedTime(t0).TotalSeconds, decodeShare = busyTicks > 0 ? (double)decodeTicks / busyTicks : 0;
        double? peer = null;
        string peerDetail = "skipped (--no-peer)";
        if (!noPeer)
        {
            var script = TorchvisionPeer.Locate(peerPath, "tv_jpeg_augment.py");
            if (script is null) peerDetail = $"peer unavailable: {(peerPath ?? "../shared/tools/tv_jpeg_augment.py")} not found";
            else
            {
                Console.Error.WriteLine($"[bench] peer: {python} {script} {source} {seconds} {size} (one core)");
                (peer, peerDetail) = TorchvisionPeer.RunJpeg(python, script, source, seconds, size);
            }
        }
        double perCore = ours / threads;
        double? ratio = peer is > 0 ? perCore / peer.Value : null;
        var result = new
        {
            source = Path.GetFullPath(source), files = paths.Length, size, threads, seconds, policy = policyName, cpuCores = Environment.ProcessorCount,
            ours = new { images = total, imagesPerSecond = Math.Round(ours, 1), imagesPerSecondPerCore = Math.Round(perCore, 1), decodeShare = Math.Round(decodeShare, 3), decoder = aug.Decoder },
            peer = new { available = peer is not null, imagesPerSecondPerCore = peer is null ? (double?)null : Math.Round(peer.Value, 1), detail = peerDetail },
            ratioPerCore = ratio is null ? (double?)null : Math.Round(ratio.Value, 2),
        };
        if (json) JsonOut.Write(result);
        else
        {
            Console.WriteLine($"nnclr   {size}px decode + 2 views ({policyName}), {threads} thread(s): {ours:F1} images/s, {perCore:F1} images/s per core, {decodeShare:P0} of the time in decode ({aug.Decoder})");
            Console.WriteLine(peer is null ? $"torchvision: {peerDetail}" : $"torchvision {size}px decode + 2 views, one core: {peer:F1} images/s  ({peerDetail})");
            if (ratio is not null) Console.WriteLine($"ratio per core: {ratio:F1}x");
        }
        return 0;
    }

    /// <summary>Views/s over <paramref name="seconds"/> after a warm-up; each thread has its own scratch and output slot.</summary>
    private static double MeasureOurs(TwoViewPolicy policy, int size, int threads, double seconds, bool bf16, out long views)
    {
        const int images = 2048, perCheck = 16;
        var data = new byte[images * size * size * 3];
        new Random(0).NextBytes(data);
        var aug = new TwoViewAugmenter(policy, size, size, size, Normalization.CifarMean, Normalization.CifarStd);
        long total = 0;
        var start = new Barrier(threads + 1);
        var stopAt = 0L;
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var scratch = aug.CreateScratch();
            var f1 = new float[aug.ViewElements]; var f2 = new float[aug.ViewElements];
            var h1 = new ushort[aug.ViewElements]; var h2 = new ushort[aug.ViewElements];
            int bytes = size * size * 3;
            void One(long key)
            {
                var img = data.AsSpan((int)(key % images) * bytes, bytes);
                if (bf16) aug.Augment(img, 1, 0, key, h1, h2, scratch);
                else aug.Augment(img, 1, 0, key, f1, f2, scratch);
            }
            // Warm-up: let the JIT reach optimised code before timing.
            var warm = Stopwatch.StartNew();
            for (long k = t; warm.Elapsed.TotalSeconds < 1.0; k += threads) One(k);
            start.SignalAndWait();
            long done = 0, key = t;
            while (Stopwatch.GetTimestamp() < Volatile.Read(ref stopAt))
            {
                for (int i = 0; i < perCheck; i++, key += threads) One(key);
                done += perCheck;
            }
            Interlocked.Add(ref total, done);
        }) { IsBackground = true }).ToList();
        workers.ForEach(w => w.Start());
        Volatile.Write(ref stopAt, long.MaxValue);
        start.SignalAndWait();
        long t0 = Stopwatch.GetTimestamp();
        Volatile.Write(ref stopAt, t0 + (long)(seconds * Stopwatch.Frequency));
        workers.ForEach(w => w.Join());
        double elapsed = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        views = 2 * total;
        return views / elapsed;
    }
}

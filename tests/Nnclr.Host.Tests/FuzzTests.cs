using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using K4os.Hash.xxHash;
using Nnclr.Data.Ingest;
using Nnclr.Data.Shards;
using Nnclr.Host.Configuration;
using Nnclr.Model;
using TorchSharp;

namespace Nnclr.Host.Tests;

/// <summary>
/// Deterministic fuzzing of every file nnclr reads from disk (issue 17 point 7): thousands of random mutations of
/// checkpoint headers and frames, stored configurations, shard files and manifests. Each must open cleanly or fail
/// with one typed exception whose message names the file, allocate no more than a bound proportional to the bytes
/// present, and never crash the process. Shards are opened through the public API only (ShardDataset.Open and
/// ReadRecord), so the test holds for any shard format version.
/// </summary>
public sealed class FuzzTests : IDisposable
{
    // Fixed seed: every run tries the same mutations.
    private const int Seed = 17;
    // Managed bytes one open may allocate beyond 16 × the file's size.
    private const long SlackBytes = 8L << 20;
    // Per-test scratch folder.
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"nnclr-fuzz-{Guid.NewGuid():N}");

    public FuzzTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Extreme replacements for a JSON value.
    private static readonly string[] Hostile =
    [
        "null", "-1", "0", "1", "2147483647", "-2147483648", "9223372036854775807", "4294967296", "1e308", "-1e308", "0.5",
        "\"\"", "\"x\"", "[]", "{}", "[null]", "true", "[1048576,1048576]", "[-1]", "\"F32\"", "\"" + new string('a', 5000) + "\"",
    ];

    [Fact]
    public void CheckpointHeadersAndFrames_Mutated_OpenOrOneErrorNamingFile()
    {
        var rng = new Random(Seed);
        var config = DemoConfigJson();
        var good = Path.Combine(_dir, "good.nnclr");
        CheckpointFile.Write(good, SmallState(), new CheckpointMeta { Step = 10, ConfigJson = config, RunId = "abc", ConfigHash = ConfigDiff.Hash(config) });
        var bytes = File.ReadAllBytes(good);
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(12));
        var header = Encoding.UTF8.GetString(bytes, 20, (int)headerLength);
        var tensorBytes = bytes.AsSpan(20 + (int)headerLength, bytes.Length - 28 - (int)headerLength).ToArray();
        var path = Path.Combine(_dir, "mutant.nnclr");
        int opened = 0, refused = 0;
        for (int i = 0; i < 2500; i++)
        {
            byte[] mutant = (i % 3) switch
            {
                0 => MutateBytes(rng, bytes),                                                 // frame damage (checksum mostly fails)
                _ => Frame(MutateJson(rng, header, rounds: 1 + rng.Next(3)), tensorBytes),    // valid checksum: the parser sees it
            };
            File.WriteAllBytes(path, mutant);
            var outcome = Open(path, mutant.Length, () =>
            {
                var (state, meta) = CheckpointFile.Read(path);
                _ = ConfigDiff.Compare(meta.ConfigJson, config);
                // What `eval knn` does before it allocates anything from the stored configuration.
                var cfg = NnclrConfiguration.FromJson(meta.ConfigJson, path);
                CheckpointFit.Require(path, state, cfg.Model, cfg.Nnclr);
            }, e => e is CheckpointFormatException or ConfigurationException or JsonException, i);
            if (outcome) opened++; else refused++;
        }
        Assert.True(refused > 2000, $"only {refused} of 2500 mutants were refused; the mutations are too weak");
        Assert.True(opened + refused == 2500);
    }

    [Fact]
    public void StoredConfigurations_Mutated_BindOrOneErrorNamingSource()
    {
        var rng = new Random(Seed + 1);
        var config = DemoConfigJson();
        const string source = "checkpoint /runs/x/ckpt-000000000010.nnclr";
        for (int i = 0; i < 400; i++)
        {
            var mutant = MutateJson(rng, config, rounds: 1 + rng.Next(2));
            Open(source, mutant.Length, () =>
            {
                _ = NnclrConfiguration.FromJson(Encoding.UTF8.GetString(mutant), source);
                _ = ConfigDiff.Compare(Encoding.UTF8.GetString(mutant), config);
            }, e => e is ConfigurationException || (e is JsonException && !e.Message.Contains(source, StringComparison.Ordinal) && IsDiffOnly(e)), i);
        }
    }

    [Fact]
    public void ShardFilesAndManifests_Mutated_OpenOrOneErrorNamingFile()
    {
        var rng = new Random(Seed + 2);
        var data = Path.Combine(_dir, "demo");
        DemoDataset.Generate(data, trainCount: 96, testCount: 32, seed: 5);
        var files = Directory.GetFiles(data, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        var originals = files.ToDictionary(f => f, File.ReadAllBytes);
        var manifest = ManifestFile.PathIn(data);
        var buffer = new byte[1 << 16];
        var failures = new SortedSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 1200; i++)
        {
            var target = i % 2 == 0 ? manifest : files[rng.Next(files.Length)];
            var original = originals[target];
            var mutant = target == manifest ? MutateJson(rng, Encoding.UTF8.GetString(original), rounds: 1 + rng.Next(2)) : MutateEnds(rng, original);
            File.WriteAllBytes(target, mutant);
            try
            {
                Collect(failures, () => Open(target, mutant.Length, () =>
                {
                    foreach (var split in new[] { "train", "test" })
                    {
                        using var ds = ShardDataset.Open(data, split);
                        if (ds.Count > 0 && ds.ImageBytes <= buffer.Length)
                        {
                            ds.ReadRecord(0, buffer);
                            ds.ReadRecord(ds.Count - 1, buffer);
                        }
                    }
                }, e => e is ShardFormatException, i, nameCheck: m => m.Contains(data, StringComparison.Ordinal)));
            }
            finally { File.WriteAllBytes(target, original); }
        }
        Assert.True(failures.Count == 0, "shard fuzz failures:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void PthFiles_Mutated_OpenOrOneErrorNamingFile()
    {
        // Issue 26 case 6: the zip's bytes, and the pickle inside it (rewritten into a well-formed zip, so the
        // unpickler and the size checks see the damage), mutated; every outcome bounded and one line.
        var rng = new Random(Seed + 3);
        var seed = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-cnn.pth"));
        var entries = new List<(string Name, byte[] Bytes)>();
        using (var zip = new ZipArchive(new MemoryStream(seed), ZipArchiveMode.Read))
            foreach (var e in zip.Entries)
            {
                using var s = e.Open();
                var m = new MemoryStream();
                s.CopyTo(m);
                entries.Add((e.FullName, m.ToArray()));
            }
        var pkl = entries.FindIndex(e => e.Name.EndsWith("data.pkl", StringComparison.Ordinal));
        var path = Path.Combine(_dir, "mutant.pth");
        int refused = 0;
        for (int i = 0; i < 1500; i++)
        {
            byte[] mutant;
            if (i % 2 == 0) mutant = MutateBytes(rng, seed);
            else
            {
                var pickle = MutatePickle(rng, entries[pkl].Bytes);
                var m = new MemoryStream();
                using (var zip = new ZipArchive(m, ZipArchiveMode.Create, leaveOpen: true))
                    foreach (var (name, bytes) in entries)
                        using (var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open()) s.Write(name == entries[pkl].Name ? pickle : bytes);
                mutant = m.ToArray();
            }
            File.WriteAllBytes(path, mutant);
            if (!Open(path, mutant.Length, () =>
            {
                var w = WeightsFile.Read(path);
                _ = BackboneWeights.InferBackbone(w);
            }, e => e is WeightsFormatException, i)) refused++;
        }
        Assert.True(refused > 300, $"only {refused} of 1500 mutants were refused; the mutations are too weak");
    }

    [Fact]
    public void ConfigurationFiles_YamlAndJson_Mutated_BindOrConfigurationError()
    {
        // Issue 26 case 9: --config files as JSON and YAML, damaged and given hostile values (YAML anchors and
        // aliases among them); each binds or is a ConfigurationException of at most 21 lines, allocation bounded.
        var rng = new Random(Seed + 4);
        var json = DemoConfigJson();
        var yaml = ConfigYaml.FromJson(NnclrConfiguration.Resolve(new TrainFlags { Preset = "demo" }, new Dictionary<string, string>()).ToResolvedJson());
        string[] yamlHostile = ["&a [1, 2, 3]", "*a", "{x: *a, y: *a}", "!!binary AAAA", "[[[[[[[[[[[[[[[[", "? complex", "|\n  block", "&a 1"];
        var environment = new System.Collections.Hashtable();
        int bound = 0;
        for (int i = 0; i < 600; i++)
        {
            bool isYaml = i % 2 == 1;
            var text = isYaml ? yaml : json;
            var mutant = MutateJson(rng, text, rounds: 1 + rng.Next(3));
            if (isYaml && rng.Next(3) == 0)
            {
                var t = Encoding.UTF8.GetString(mutant);
                int colon = t.IndexOf(':', rng.Next(t.Length));
                int nl = colon > 0 ? t.IndexOf('\n', colon) : -1;
                if (nl > 0) mutant = Encoding.UTF8.GetBytes(t[..(colon + 1)] + " " + yamlHostile[rng.Next(yamlHostile.Length)] + t[nl..]);
            }
            var file = Path.Combine(_dir, isYaml ? "mutant.yaml" : "mutant.json");
            File.WriteAllBytes(file, mutant);
            if (Open(file, mutant.Length, () => NnclrConfiguration.Resolve(new TrainFlags { Preset = "demo", ConfigFile = file }, environment),
                e => e is ConfigurationException c && c.Message.Split('\n').Length <= NnclrConfiguration.MaxListedProblems + 1, i,
                nameCheck: _ => true, oneLine: false)) bound++;
        }
        Assert.True(bound is > 0 and < 600, $"{bound} of 600 mutants bound: the mutations are too weak or too strong");
    }

    // Pickle damage: byte flips and integer opcodes given extreme values (sizes, shapes, strides, offsets).
    private static byte[] MutatePickle(Random rng, byte[] pickle)
    {
        var b = (byte[])pickle.Clone();
        var ints = Enumerable.Range(0, b.Length - 1).Where(k => b[k] is (byte)'K' or (byte)'M' or (byte)'J').ToArray();
        if (ints.Length == 0 || rng.Next(4) == 0) return MutateBytes(rng, b);
        int at = ints[rng.Next(ints.Length)];
        // Re-write the integer as BININT (J) with a hostile value, shifting the rest.
        int oldLength = b[at] switch { (byte)'K' => 2, (byte)'M' => 3, _ => 5 };
        int value = rng.Next(5) switch { 0 => -1, 1 => int.MaxValue, 2 => 1_000_000, 3 => 0, _ => rng.Next(1 << 20) };
        var replacement = new byte[5];
        replacement[0] = (byte)'J';
        BinaryPrimitives.WriteInt32LittleEndian(replacement.AsSpan(1), value);
        return [.. b.AsSpan(0, at), .. replacement, .. b.AsSpan(Math.Min(b.Length, at + oldLength))];
    }

    // Runs one fuzz case, adding its failure (first line: the fault and the top frame) to failures instead of stopping.
    private static void Collect(SortedSet<string> failures, Action run)
    {
        try { run(); }
        catch (Xunit.Sdk.XunitException e)
        {
            var lines = e.Message.Split('\n');
            var kind = lines[0][(lines[0].IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
            var frame = lines.FirstOrDefault(l => l.TrimStart().StartsWith("at Nnclr.Data", StringComparison.Ordinal))?.Trim() ?? "";
            failures.Add(kind.Length > 160 ? kind[..160] : kind + " " + frame);
        }
    }

    // Runs one open: success, or an accepted exception whose message names the file; bounded managed allocation.
    private static bool Open(string file, long fileBytes, Action open, Func<Exception, bool> accepted, int index, Func<string, bool>? nameCheck = null, bool oneLine = true)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Exception? error = null;
        try { open(); }
        catch (Exception e) { error = e; }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long limit = 16 * fileBytes + SlackBytes;
        Assert.True(allocated <= limit, $"mutant #{index} of {file}: allocated {allocated} bytes, limit {limit}" + (error is null ? "" : $" ({error.Message})"));
        if (error is null) return true;
        Assert.True(accepted(error), $"mutant #{index} of {file}: unexpected {error.GetType().Name}: {error}");
        bool named = nameCheck?.Invoke(error.Message) ?? error.Message.Contains(file, StringComparison.Ordinal);
        Assert.True(named || IsDiffOnly(error), $"mutant #{index}: the error does not name {file}: {error.Message}");
        Assert.False(oneLine && error.Message.TrimEnd().Contains('\n', StringComparison.Ordinal), $"mutant #{index}: the error is not one line: {error.Message}");
        return false;
    }

    // ConfigDiff's own JsonException (it has no file; its callers add the file): only reached after the file-naming parsers accepted the text.
    private static bool IsDiffOnly(Exception e) => e is JsonException && e.StackTrace?.Contains(nameof(ConfigDiff), StringComparison.Ordinal) == true;

    private static string DemoConfigJson() => NnclrConfiguration.Resolve(new TrainFlags { Preset = "demo" }, new Dictionary<string, string>()).ToJson();

    private static TrainerState SmallState() => new(
    [
        new StateTensor("model.projector.3.weight", torch.ScalarType.Float32, [4, 4], new byte[64]),
        new StateTensor("support.queue", torch.ScalarType.Float32, [8, 4], new byte[128]),
        new StateTensor("support.labels", torch.ScalarType.Int64, [8], new byte[64]),
        StateTensor.Scalar("trainer.step", 10),
    ]);

    // A checkpoint frame with a correct header length and checksum around header + tensor bytes.
    private static byte[] Frame(byte[] header, byte[] tensors)
    {
        var file = new byte[20 + header.Length + tensors.Length + 8];
        "NNCLRCKP"u8.CopyTo(file);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(8), CheckpointFile.FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(12), header.Length);
        header.CopyTo(file, 20);
        tensors.CopyTo(file, 20 + header.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(file.Length - 8), XXH64.DigestOf(file.AsSpan(0, file.Length - 8)));
        return file;
    }

    // Byte damage anywhere: flips, extreme 4/8-byte integers, truncation, insertion.
    private static byte[] MutateBytes(Random rng, byte[] original)
    {
        var b = (byte[])original.Clone();
        int at = rng.Next(b.Length);
        switch (rng.Next(5))
        {
            case 0: b[at] ^= (byte)(1 << rng.Next(8)); return b;
            case 1: b[at] = (byte)rng.Next(256); return b;
            case 2:
                if (at + 8 <= b.Length) BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(at), rng.Next(3) switch { 0 => long.MaxValue, 1 => -1, _ => 1L << rng.Next(62) });
                return b;
            case 3: return b.AsSpan(0, at).ToArray();
            default: return [.. b.AsSpan(0, at), .. new byte[rng.Next(1, 64)], .. b.AsSpan(at)];
        }
    }

    // Byte damage biased to the first and last 512 bytes of a file (headers, indexes, trailers).
    private static byte[] MutateEnds(Random rng, byte[] original)
    {
        var b = (byte[])original.Clone();
        if (b.Length == 0) return [1, 2, 3];
        int window = Math.Min(512, b.Length);
        int at = rng.Next(2) == 0 ? rng.Next(window) : b.Length - 1 - rng.Next(window);
        switch (rng.Next(4))
        {
            case 0: b[at] ^= (byte)(1 << rng.Next(8)); return b;
            case 1:
                at = Math.Min(at, Math.Max(0, b.Length - 4));
                if (at + 4 <= b.Length) BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(at), rng.Next(4) switch { 0 => int.MaxValue, 1 => -1, 2 => 0, _ => 1 << rng.Next(31) });
                return b;
            case 2: return b.AsSpan(0, at).ToArray();
            default: b[at] = (byte)rng.Next(256); return b;
        }
    }

    // JSON damage: a value replaced by a hostile one, a character deleted or duplicated, a region cut.
    private static byte[] MutateJson(Random rng, string json, int rounds)
    {
        var s = new StringBuilder(json);
        for (int r = 0; r < rounds; r++)
        {
            var text = s.ToString();
            switch (rng.Next(5))
            {
                case 0:
                case 1:
                {
                    // Replace the value after a random ':' up to the next ',' '}' or ']' at depth 0 (roughly).
                    var colons = Enumerable.Range(0, text.Length).Where(k => text[k] == ':').ToArray();
                    if (colons.Length == 0) break;
                    int start = colons[rng.Next(colons.Length)] + 1, end = start, depth = 0;
                    while (end < text.Length)
                    {
                        char c = text[end];
                        if (c is '[' or '{') depth++;
                        else if (c is ']' or '}') { if (depth == 0) break; depth--; }
                        else if (c == ',' && depth == 0) break;
                        end++;
                    }
                    s.Remove(start, end - start).Insert(start, Hostile[rng.Next(Hostile.Length)]);
                    break;
                }
                case 2: if (s.Length > 0) s.Remove(rng.Next(s.Length), 1); break;
                case 3: { int at = rng.Next(s.Length); s.Insert(at, s[at]); break; }
                default: { int at = rng.Next(s.Length); s.Remove(at, Math.Min(rng.Next(1, 40), s.Length - at)); break; }
            }
        }
        return Encoding.UTF8.GetBytes(s.ToString());
    }
}

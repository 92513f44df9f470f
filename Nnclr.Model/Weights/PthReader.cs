using System.Collections;
using System.IO.Compression;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;

namespace Nnclr.Model;

/// <summary>
/// Reads a PyTorch state_dict written by <c>torch.save(model.state_dict(), F)</c> (the zip format, PyTorch ≥ 1.6)
/// into host tensors. The pickle is read with Razorvine's unpickler, but the tensors are built here, not by libtorch:
/// every declared size (the pickle's element counts, shapes, strides and offsets, the zip's declared entry sizes) is
/// checked before anything is allocated, against the largest state_dict a supported architecture has
/// (<see cref="MaxStateDictBytes"/>), and an entry is never decompressed past its declared size. A saved whole model
/// (not a state_dict), the legacy format and anything out of bounds are one error naming the file.
/// </summary>
public static class PthReader
{
    /// <summary>
    /// Largest sum of tensor bytes accepted: resnet50 with torchvision's classifier and both heads is about 30 M
    /// elements (120 MB in float32); twice that in float64 still fits, a decompression bomb does not.
    /// </summary>
    public const long MaxStateDictBytes = 512L << 20;

    /// <summary>Largest pickle (the dict of names and tensor descriptions; resnet50's is under 100 KB).</summary>
    public const long MaxPickleBytes = 16L << 20;

    static PthReader()
    {
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor", new TensorConstructor());
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2", new TensorConstructor());
        Unpickler.registerConstructor("torch._utils", "_rebuild_parameter", new ParameterConstructor());
        Unpickler.registerConstructor("collections", "OrderedDict", new OrderedDictConstructor());
    }

    public static WeightsFile Read(string path)
    {
        // The zip reader reports damage (a bad central directory, a truncated entry) as InvalidDataException, lazily.
        try { return ReadZip(path); }
        catch (InvalidDataException e) { throw new WeightsFormatException(path, $"damaged zip ({FirstLine(e.Message)})"); }
    }

    private static WeightsFile ReadZip(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        ZipArchive archive;
        try { archive = new ZipArchive(fs, ZipArchiveMode.Read, leaveOpen: true); }
        catch (InvalidDataException e) { throw new WeightsFormatException(path, $"not a PyTorch zip file ({e.Message})"); }
        using (archive)
        {
            var pkl = archive.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName == "data.pkl")
                ?? throw new WeightsFormatException(path, "no data.pkl in the zip: not a file torch.save wrote");
            if (pkl.Length > MaxPickleBytes)
                throw new WeightsFormatException(path, $"data.pkl declares {pkl.Length} bytes, more than the {MaxPickleBytes} a state_dict needs");
            string prefix = pkl.FullName[..^"data.pkl".Length];
            object root;
            try
            {
                var pickle = ReadEntry(path, pkl, pkl.Length);
                root = new StateDictUnpickler().loads(pickle);
            }
            catch (WeightsFormatException) { throw; }
            catch (Exception e) when (e is PickleException or InvalidDataException || (e is SystemException && e is not OutOfMemoryException))
            {
                throw new WeightsFormatException(path, $"not a PyTorch state_dict this reader understands ({e.GetType().Name}: {FirstLine(e.Message)}); save one with torch.save(model.state_dict(), F)");
            }
            if (root is not IDictionary dict) throw new WeightsFormatException(path, $"holds a {root?.GetType().Name ?? "None"}, not a state_dict (a dict of names to tensors)");

            // Check every description against its storage, and the storages against the zip and the bound, before reading any.
            var described = new List<(string Name, TensorDescription T)>(dict.Count);
            var storages = new Dictionary<string, StorageRef>(StringComparer.Ordinal);
            foreach (DictionaryEntry e in dict)
            {
                if (e.Key is not string name || e.Value is not TensorDescription t)
                    throw new WeightsFormatException(path, $"entry '{e.Key}' is not a named tensor (a state_dict maps names to tensors)");
                Check(path, name, t);
                if (storages.TryGetValue(t.Storage.Key, out var seen) && (seen.DType != t.Storage.DType || seen.Elements != t.Storage.Elements))
                    throw new WeightsFormatException(path, $"tensor '{name}': storage {t.Storage.Key} is described twice differently");
                storages[t.Storage.Key] = t.Storage;
                described.Add((name, t));
            }
            long total = 0;
            var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
            foreach (var s in storages.Values)
            {
                long bytes = s.Elements * StateDTypes.SizeOf(s.DType); // elements checked ≤ MaxStateDictBytes
                total += bytes;
                if (total > MaxStateDictBytes)
                    throw new WeightsFormatException(path, $"its tensors hold more than {MaxStateDictBytes} bytes, more than any supported architecture's state_dict");
                var entry = archive.GetEntry(prefix + "data/" + s.Key)
                    ?? throw new WeightsFormatException(path, $"storage {s.Key} is not in the zip");
                if (entry.Length != bytes)
                    throw new WeightsFormatException(path, $"storage {s.Key} declares {entry.Length} bytes in the zip, its {s.Elements} {s.DType} elements are {bytes}");
                entries[s.Key] = entry;
            }
            var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var (key, entry) in entries) data[key] = ReadEntry(path, entry, entry.Length);
            var tensors = new List<StateTensor>(described.Count);
            foreach (var (name, t) in described)
            {
                var storage = data[t.Storage.Key];
                int size = StateDTypes.SizeOf(t.Storage.DType);
                long length = StateDTypes.ByteLength(t.Storage.DType, t.Shape);
                var bytes = t.Offset == 0 && length == storage.LongLength ? storage : storage.AsSpan((int)(t.Offset * size), (int)length).ToArray();
                tensors.Add(new StateTensor(name, t.Storage.DType, t.Shape, bytes));
            }
            return new WeightsFile(Path.GetFullPath(path), tensors.OrderBy(t => t.Name, StringComparer.Ordinal), new Dictionary<string, string>());
        }
    }

    /// <summary>Shape, strides and offset of one tensor against its storage: contiguous, inside, within the bound.</summary>
    private static void Check(string path, string name, TensorDescription t)
    {
        string shape = $"[{string.Join(", ", t.Shape)}]";
        if (t.Storage.Elements < 0 || t.Storage.Elements > MaxStateDictBytes)
            throw new WeightsFormatException(path, $"tensor '{name}': storage of {t.Storage.Elements} elements is negative or larger than any supported architecture's state_dict ({MaxStateDictBytes} bytes)");
        long length = StateDTypes.ByteLength(t.Storage.DType, t.Shape);
        if (length < 0 || length > MaxStateDictBytes)
            throw new WeightsFormatException(path, $"tensor '{name}': shape {shape} is negative or larger than any supported architecture's tensor");
        long elements = length / StateDTypes.SizeOf(t.Storage.DType);
        if (t.Stride.Length != t.Shape.Length)
            throw new WeightsFormatException(path, $"tensor '{name}': {t.Stride.Length} strides for shape {shape}");
        long expected = 1;
        for (int d = t.Shape.Length - 1; d >= 0; d--)
        {
            if (t.Shape[d] > 1 && t.Stride[d] != expected)
                throw new WeightsFormatException(path, $"tensor '{name}': strides [{string.Join(", ", t.Stride)}] are not contiguous for shape {shape}");
            expected *= t.Shape[d];
        }
        if (t.Offset < 0 || elements > 0 && t.Offset + elements > t.Storage.Elements)
            throw new WeightsFormatException(path, $"tensor '{name}': {elements} elements from offset {t.Offset} are outside its storage of {t.Storage.Elements}");
    }

    /// <summary>Exactly <paramref name="length"/> bytes of an entry, never decompressing more.</summary>
    private static byte[] ReadEntry(string path, ZipArchiveEntry entry, long length)
    {
        var bytes = new byte[length];
        using var s = entry.Open();
        if (s.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) < bytes.Length)
            throw new WeightsFormatException(path, $"zip entry {entry.FullName} is shorter than its declared {length} bytes");
        return bytes;
    }

    private static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();

    private static long Int(object o, string what) => o switch
    {
        int i => i,
        long l => l,
        byte b => b,
        short h => h,
        _ => throw new PickleException($"{what} is {o?.GetType().Name ?? "None"}, not an integer"),
    };

    private static long[] Ints(object o, string what) => o is object[] a ? a.Select(x => Int(x, what)).ToArray()
        : o is ArrayList l ? l.Cast<object>().Select(x => Int(x, what)).ToArray()
        : throw new PickleException($"{what} is not a tuple");

    private sealed record StorageRef(string Key, ScalarType DType, long Elements);

    private sealed record TensorDescription(StorageRef Storage, long Offset, long[] Shape, long[] Stride);

    private sealed class StateDictUnpickler : Unpickler
    {
        protected override object persistentLoad(object pid)
        {
            if (pid is not object[] { Length: >= 5 } p || p[0] is not "storage")
                throw new PickleException("unknown persistent id (not a tensor storage)");
            string type = p[1] is ClassDictConstructor c ? c.name : throw new PickleException("storage type is not a class");
            var dtype = type switch
            {
                "DoubleStorage" => ScalarType.Float64,
                "FloatStorage" => ScalarType.Float32,
                "HalfStorage" => ScalarType.Float16,
                "BFloat16Storage" => ScalarType.BFloat16,
                "LongStorage" => ScalarType.Int64,
                "IntStorage" => ScalarType.Int32,
                "ShortStorage" => ScalarType.Int16,
                "CharStorage" => ScalarType.Int8,
                "ByteStorage" => ScalarType.Byte,
                "BoolStorage" => ScalarType.Bool,
                _ => throw new PickleException($"storage type {type} is not supported"),
            };
            if (p[2] is not string key || key.Length == 0 || key.Contains('/') || key.Contains(".."))
                throw new PickleException("storage key is not a plain name");
            return new StorageRef(key, dtype, Int(p[4], "storage size"));
        }
    }

    private sealed class TensorConstructor : IObjectConstructor
    {
        public object construct(object[] args)
        {
            if (args.Length < 4 || args[0] is not StorageRef storage) throw new PickleException("a tensor without its storage");
            return new TensorDescription(storage, Int(args[1], "storage offset"), Ints(args[2], "shape"), Ints(args[3], "stride"));
        }
    }

    private sealed class ParameterConstructor : IObjectConstructor
    {
        public object construct(object[] args) =>
            throw new PickleException("the file holds a whole model, not a state_dict; save one with torch.save(model.state_dict(), F)");
    }

    /// <summary>collections.OrderedDict as a Hashtable; its pickled state (the _metadata attribute) is dropped.</summary>
    private sealed class OrderedDictConstructor : IObjectConstructor
    {
        public object construct(object[] args) => new StateDict();
    }

    public sealed class StateDict : Hashtable
    {
        public void __setstate__(Hashtable state) { }
    }
}

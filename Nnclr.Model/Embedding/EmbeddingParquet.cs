using Parquet.Serialization;
using Nnclr.Data;

namespace Nnclr.Model;

/// <summary>
/// An <see cref="EmbeddingSet"/> as a Parquet file (Parquet.Net): one row per image, columns <c>path</c> (string) and
/// <c>embedding</c> (list of float32), readable by pandas/pyarrow/polars/DuckDB. Deterministic: same set, same bytes.
/// </summary>
public static class EmbeddingParquet
{
    /// <summary>One row.</summary>
    public sealed class Row
    {
        /// <summary>Path relative to the embedded folder, or "split#record".</summary>
        public string Path { get; set; } = "";
        /// <summary>The L2-normalised embedding.</summary>
        public float[] Embedding { get; set; } = [];
    }

    /// <summary>Writes <paramref name="set"/> to <paramref name="path"/> atomically (<see cref="AtomicFile"/>).</summary>
    public static void Write(EmbeddingSet set, string path)
    {
        var rows = Enumerable.Range(0, set.Count).Select(i => new Row { Path = set.Paths[i], Embedding = set.Row(i).ToArray() }).ToList();
        var full = System.IO.Path.GetFullPath(path);
        AtomicFile.Write(full, fs => ParquetSerializer.SerializeAsync(rows, fs).GetAwaiter().GetResult(), 1 << 20);
    }

    /// <summary>Reads a file written by <see cref="Write"/>.</summary>
    public static EmbeddingSet Read(string path)
    {
        using var fs = File.OpenRead(path);
        var result = ParquetSerializer.DeserializeAsync<Row>(fs).GetAwaiter().GetResult();
        List<Row> rows = result.Data.ToList();
        int dim = rows.Count == 0 ? 1 : rows[0].Embedding.Length;
        if (rows.Any(r => r.Embedding.Length != dim)) throw new WeightsFormatException(path, "rows of different embedding sizes");
        var values = new float[(long)rows.Count * dim];
        for (int i = 0; i < rows.Count; i++) rows[i].Embedding.CopyTo(values, (long)i * dim);
        return new EmbeddingSet(values, rows.Select(r => r.Path).ToList(), dim, "");
    }
}

using System.Globalization;
using System.Text.Json;
using Nnclr.Host.Cli;
using Nnclr.Model;
using Nnclr.Model.Runtime;
using Nnclr.Pipeline.Embedding;

namespace Nnclr.Host.Commands;

/// <summary>`nnclr neighbors`: the k nearest embeddings (cosine) of an image or of a stored row, with paths and scores.</summary>
public sealed class NeighborsCommand : ICliCommand
{
    public string Name => "neighbors";
    public string Summary => "top-k nearest images by cosine similarity in an embeddings file";
    public IReadOnlyList<CliOption> Options { get; } =
    [
        CliOption.Text("embeddings", "F.npy|F.safetensors|F.parquet", "Written by `nnclr embed` (required)"),
        CliOption.Text("query", "IMAGE", "An image file, embedded with --checkpoint (the encoder that wrote the embeddings)"),
        CliOption.Text("checkpoint", "C", "The encoder for --query"),
        CliOption.Switch("projector", "Embed --query with the projector (as `embed --projector`)"),
        CliOption.Int("index", "Row N of the embeddings as the query (itself left out of the answer)"),
        new("k", CliValueKind.Int, "How many neighbours", "10", "K", Alias: "-k"),
        SharedOptions.Device,
        SharedOptions.Json,
    ];
    public string Usage => "Exact search: one matrix product of the query with all N rows (N·D multiply-adds).";

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        var embeddings = args.Required("embeddings");
        var query = args.String("query");
        var checkpoint = args.String("checkpoint");
        int? index = args.Int("index");
        int k = args.Int("k") ?? 10;
        bool projector = args.Flag("projector"), json = args.Flag("json");
        var deviceSetting = args.String("device") ?? "auto";
        args.EnsureAllUsed();
        if ((query is null) == (index is null)) throw new CliException("give exactly one of --query IMAGE (with --checkpoint) and --index N");
        if (query is not null && checkpoint is null) throw new CliException("--query needs --checkpoint C (the encoder that wrote the embeddings)");
        if (k < 1) throw new CliException($"-k must be >= 1, got {k}");

        TorchRuntime.EnsureLoaded();
        var set = Read(embeddings);
        if (index is { } i && (i < 0 || i >= set.Count)) throw new CliException($"--index {i}: {embeddings} has rows 0…{set.Count - 1}");
        var device = TorchRuntime.ResolveDevice(deviceSetting);
        float[] q;
        string what;
        if (query is not null)
        {
            if (!File.Exists(query)) throw new CliException($"--query: {query} does not exist");
            var source = EncoderSource.Open(checkpoint!, w => Console.Error.WriteLine($"nnclr neighbors: warning: {w}"));
            Encoder encoder;
            try { encoder = new Encoder(source.Model, source.Weights, projector, device); }
            catch (WeightsFormatException e) { throw new CliException(e.Message); }
            using (encoder)
            {
                if (encoder.Dim != set.Dim) throw new CliException($"--checkpoint gives {encoder.Dim}-d embeddings, {embeddings} holds {set.Dim}-d ones{(projector ? "" : " (--projector?)")}");
                var input = EmbeddingInput.Files([Path.GetFullPath(query)], source.InputSize, source.Mean, source.Std);
                var (one, failed) = ImageEmbedder.Run(input, encoder, source.Description, batchSize: 1, cancel: ct);
                if (failed.Count > 0) throw new CliException($"--query {query}: {failed[0].Problem}");
                q = one.Vectors;
            }
            what = query;
        }
        else
        {
            q = set.Row(index!.Value).ToArray();
            what = $"#{index} {set.Paths[index.Value]}";
        }
        using var search = new CosineSearch(set, device);
        var hits = search.TopK(q, k, index ?? -1);
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                query = what, neighbors = hits.Select(h => new { index = h.Index, path = set.Paths[h.Index], score = Math.Round(h.Score, 6) }),
            }, new JsonSerializerOptions { WriteIndented = true }));
        else
        {
            Console.WriteLine($"nearest to {what}:");
            foreach (var (idx, score) in hits)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {score:F4}  #{idx}  {set.Paths[idx]}"));
        }
        return Task.FromResult(0);
    }

    /// <summary>Reads an embeddings file; one usage error naming it when unusable.</summary>
    internal static EmbeddingSet Read(string path)
    {
        try { return EmbeddingSet.Read(path); }
        catch (WeightsFormatException e) { throw new CliException($"--embeddings {e.Message}"); }
    }
}

using System.Globalization;
using Nnclr.Data;
using Nnclr.Data.Shards;

namespace Nnclr.Pipeline.Finetune;

/// <summary>
/// The labelled images a fine-tune sees: record indices of a labelled split, sorted. Either class-balanced and seeded
/// (<see cref="Select"/>: round(fraction × n_c) of each class c, at least one, drawn by a seeded shuffle), or an explicit
/// list (<see cref="ReadList"/>, as SimCLR publishes for ImageNet's 1 % and 10 %). <see cref="Write"/> records it with
/// its seed in the output, so the random-init baseline and a resume use the very same images.
/// </summary>
public sealed record LabelledSubset(int[] Records, int[] Labels, string Origin)
{
    /// <summary>Images in the subset.</summary>
    public int Count => Records.Length;

    /// <summary>
    /// The subset of <paramref name="dataDir"/>'s train split a fine-tune uses: the records of <paramref name="labelsList"/>
    /// when given, else a class-balanced <paramref name="fraction"/> drawn with <paramref name="seed"/>. The dataset must
    /// have labelled train and test splits.
    /// </summary>
    public static LabelledSubset Choose(string dataDir, double fraction, string? labelsList, long seed)
    {
        using var train = ShardDataset.Open(dataDir, "train");
        if (!(train.Manifest.FindSplit("train") is { Labelled: true } && train.Manifest.FindSplit("test") is { Labelled: true }))
            throw new InvalidDataException($"{dataDir}: no labelled train and test splits: fine-tuning needs labels");
        var labels = ReadLabels(train);
        return labelsList is not null ? ReadList(labelsList, labels) : Select(labels, train.Classes.Count, fraction, seed);
    }

    /// <summary>Labels of every record of <paramref name="split"/>, read in file order (each block decoded once).</summary>
    public static int[] ReadLabels(ShardDataset split)
    {
        var labels = new int[split.Count];
        var buffer = new byte[split.MaxRecordBytes];
        for (int i = 0; i < split.Count; i++)
            labels[i] = split.Codec == ShardCodec.Jpeg ? split.ReadEncoded(i, buffer).Label : split.ReadRecord(i, buffer);
        return labels;
    }

    /// <summary>A class-balanced seeded subset: of each class's records, round(<paramref name="fraction"/> × count) (at least 1).</summary>
    public static LabelledSubset Select(int[] labels, int classes, double fraction, long seed)
    {
        if (!(fraction > 0 && fraction <= 1)) throw new ArgumentException($"--labels-fraction must be in (0, 1], got {fraction.ToString(CultureInfo.InvariantCulture)}");
        var byClass = Enumerable.Range(0, classes).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes) throw new InvalidDataException($"record {i} has label {labels[i]}, outside the {classes} classes");
            byClass[labels[i]].Add(i);
        }
        var chosen = new List<int>();
        for (int c = 0; c < classes; c++)
        {
            var members = byClass[c].ToArray();
            if (members.Length == 0) continue;
            int take = Math.Max(1, (int)Math.Round(fraction * members.Length, MidpointRounding.AwayFromZero));
            var rng = new SampleRandom(unchecked((ulong)seed), c, 0, stream: 0x1AB_E11ED);
            for (int i = 0; i < take; i++) // partial Fisher-Yates: the first `take` of a seeded shuffle
            {
                int j = i + rng.NextInt(members.Length - i);
                (members[i], members[j]) = (members[j], members[i]);
            }
            chosen.AddRange(members.Take(take));
        }
        var records = chosen.Order().ToArray();
        return new LabelledSubset(records, records.Select(r => labels[r]).ToArray(),
            $"class-balanced {fraction.ToString("0.####", CultureInfo.InvariantCulture)} of the labels, seed {seed}");
    }

    /// <summary>
    /// An explicit list: one record index of the split per line ('#' comments and blank lines skipped); one error naming
    /// the file and line for anything else, a duplicate or an index outside the split.
    /// </summary>
    public static LabelledSubset ReadList(string path, int[] labels)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"--labels-list: {path} does not exist", path);
        var seen = new HashSet<int>();
        int lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (!int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= labels.Length)
                throw new InvalidDataException($"--labels-list {path} line {lineNo}: '{line}' is not a record index of the train split (0..{labels.Length - 1})");
            if (!seen.Add(index)) throw new InvalidDataException($"--labels-list {path} line {lineNo}: record {index} is listed twice");
        }
        if (seen.Count < 2) throw new InvalidDataException($"--labels-list {path}: lists {seen.Count} record(s); fine-tuning needs at least 2");
        var records = seen.Order().ToArray();
        return new LabelledSubset(records, records.Select(r => labels[r]).ToArray(), $"the list {Path.GetFullPath(path)}");
    }

    /// <summary>Writes the record indices (one per line) after a header naming how they were chosen.</summary>
    public void Write(string path)
    {
        using var w = new StreamWriter(path + ".tmp");
        w.WriteLine($"# nnclr finetune labelled subset: {Count} records of the train split, {Origin}");
        foreach (var r in Records) w.WriteLine(r.ToString(CultureInfo.InvariantCulture));
        w.Close();
        File.Move(path + ".tmp", path, overwrite: true);
    }
}

using Nnclr.Data.Shards;

namespace Nnclr.Data.Augment;

/// <summary>
/// One worker's reader of a split's records as normalised centre views (the evaluation and embedding input): raw
/// records through <see cref="Preprocess"/>, jpeg records decoded first (<see cref="EncodedImageDecoder"/>, at the
/// smallest DCT scale whose shorter side still reaches the view size). Buffers are sized once; not thread-safe.
/// </summary>
public sealed class CentreViewReader
{
    // The split read.
    private readonly ShardDataset _data;
    // One record's bytes: an image (raw) or its encoded form (jpeg).
    private readonly byte[] _record;
    // The decoder of jpeg records; null for raw ones.
    private readonly EncodedImageDecoder? _decoder;
    // Output side and normalisation.
    private readonly int _size;
    private readonly float[] _mean, _std;

    public CentreViewReader(ShardDataset data, int viewSize, float[] mean, float[] std)
    {
        (_data, _size, _mean, _std) = (data, viewSize, mean, std);
        bool jpeg = data.Codec == ShardCodec.Jpeg;
        _record = new byte[jpeg ? data.MaxRecordBytes : data.ImageBytes];
        _decoder = jpeg ? new EncodedImageDecoder(Math.Max(data.Height, data.Width)) : null;
    }

    /// <summary>Writes record <paramref name="index"/>'s centre view (3·S·S floats) into <paramref name="chw"/>; returns its label.</summary>
    public int Read(long index, Span<float> chw)
    {
        if (_decoder is null)
        {
            int label = _data.ReadRecord(index, _record);
            Preprocess.ToNormalizedChw(_record, _data.Height, _data.Width, _size, _mean, _std, chw);
            return label;
        }
        var (length, jpegLabel) = _data.ReadEncoded(index, _record);
        var (rgba, width, height) = _decoder.Decode(_record.AsSpan(0, length), _size, $"{_data.Directory} split '{_data.Split}' record {index}");
        Preprocess.ToNormalizedChw(rgba.Span, height, width, _size, _mean, _std, chw, pixelBytes: 4);
        return jpegLabel;
    }
}

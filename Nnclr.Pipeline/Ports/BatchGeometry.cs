namespace Nnclr.Pipeline.Ports;

/// <summary>
/// The shapes every slot is preallocated for: N raw HWC uint8 images of <see cref="ImageHeight"/> ×
/// <see cref="ImageWidth"/> × 3 in, 2N normalised CHW float views of 3 × <see cref="ViewSize"/>² out
/// (view 1 of sample i at row i, view 2 at row N + i). With <see cref="EncodedRecordBytes"/> &gt; 0 the samples are
/// encoded records (JPEG) of at most that many bytes instead, each in its own slice of the raw slot.
/// </summary>
public sealed record BatchGeometry(int BatchSize, int ImageHeight, int ImageWidth, int ViewSize)
{
    /// <summary>Bytes of one raw HWC image.</summary>
    public int RawBytesPerImage => checked(ImageHeight * ImageWidth * 3);

    /// <summary>0: samples are raw HWC images. &gt; 0: samples are encoded records of at most this many bytes (the dataset's maxRecordBytes).</summary>
    public int EncodedRecordBytes { get; init; }

    /// <summary>True when the read stage hands encoded records to the augment stage.</summary>
    public bool Encoded => EncodedRecordBytes > 0;

    /// <summary>Bytes reserved per sample in a raw slot: the record bound when encoded, else one HWC image.</summary>
    public int SlotBytesPerSample => Encoded ? EncodedRecordBytes : RawBytesPerImage;

    /// <summary>Floats of one normalised CHW view.</summary>
    public int FloatsPerView => checked(3 * ViewSize * ViewSize);

    /// <summary>Throws with the offending field named when a dimension is not positive.</summary>
    public void Validate()
    {
        if (BatchSize <= 0) throw new ArgumentException($"batch size must be positive, got {BatchSize}");
        if (ImageHeight <= 0 || ImageWidth <= 0) throw new ArgumentException($"image size must be positive, got {ImageHeight}x{ImageWidth}");
        if (EncodedRecordBytes < 0) throw new ArgumentException($"encoded record bytes must be ≥ 0, got {EncodedRecordBytes}");
        _ = checked((long)BatchSize * SlotBytesPerSample <= int.MaxValue
            ? 0 : throw new ArgumentException($"a raw slot of batch {BatchSize} × {SlotBytesPerSample} bytes exceeds 2 GiB"));
        if (ViewSize <= 0) throw new ArgumentException($"view size must be positive, got {ViewSize}");
        _ = checked((long)BatchSize * 2 * FloatsPerView * sizeof(float) <= int.MaxValue
            ? 0 : throw new ArgumentException($"a views slot of batch {BatchSize} at {ViewSize}px exceeds 2 GiB"));
    }
}

namespace Nnclr.Pipeline.Slots;

/// <summary>
/// One batch of samples as read from the shards, allocated once and reused: raw HWC images, or encoded records
/// (JPEG) each in its own BytesPerImage-sized slice with its length in <see cref="Lengths"/>.
/// </summary>
internal sealed class RawSlot
{
    public RawSlot(int batchSize, int bytesPerImage)
    {
        BytesPerImage = bytesPerImage;
        Images = GC.AllocateUninitializedArray<byte>(checked(batchSize * bytesPerImage), pinned: true);
        Labels = new int[batchSize];
        Keys = new long[batchSize];
        Lengths = new int[batchSize];
        Array.Fill(Lengths, bytesPerImage);
    }

    /// <summary>Bytes reserved per sample (one HWC image, or the largest encoded record); sample i starts at i × BytesPerImage.</summary>
    public int BytesPerImage { get; }

    /// <summary>N samples, sample i in [i × BytesPerImage, + Lengths[i]) (N × BytesPerImage bytes).</summary>
    public byte[] Images { get; }

    /// <summary>Bytes of sample i: always BytesPerImage for raw images, set by the read stage for encoded records.</summary>
    public int[] Lengths { get; }

    /// <summary>Label of sample i.</summary>
    public int[] Labels { get; }

    /// <summary>Stable key of sample i (seeds its augmentation).</summary>
    public long[] Keys { get; }

    /// <summary>Sample i's bytes (an HWC image, or an encoded record).</summary>
    public ReadOnlySpan<byte> Image(int i) => Images.AsSpan(i * BytesPerImage, Lengths[i]);
}

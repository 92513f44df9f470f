namespace Nnclr.Pipeline.Slots;

/// <summary>One batch of raw samples as read from the shards, allocated once and reused.</summary>
internal sealed class RawSlot
{
    public RawSlot(int batchSize, int bytesPerImage)
    {
        BytesPerImage = bytesPerImage;
        Images = GC.AllocateUninitializedArray<byte>(checked(batchSize * bytesPerImage), pinned: true);
        Labels = new int[batchSize];
        Keys = new long[batchSize];
    }

    /// <summary>Bytes of one HWC image; image i starts at i × BytesPerImage.</summary>
    public int BytesPerImage { get; }

    /// <summary>N HWC uint8 images back to back (N × BytesPerImage bytes).</summary>
    public byte[] Images { get; }

    /// <summary>Label of sample i.</summary>
    public int[] Labels { get; }

    /// <summary>Stable key of sample i (seeds its augmentation).</summary>
    public long[] Keys { get; }

    /// <summary>Image i's bytes.</summary>
    public ReadOnlySpan<byte> Image(int i) => Images.AsSpan(i * BytesPerImage, BytesPerImage);
}

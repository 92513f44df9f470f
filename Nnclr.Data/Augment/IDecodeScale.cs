namespace Nnclr.Data.Augment;

/// <summary>
/// Chooses the DCT scale n/8 (n in 1..8) an image is decoded at, from its full size; called once the header is read
/// (again if the first decoder refuses the image). A struct, so deciding allocates nothing.
/// </summary>
public interface IDecodeScale
{
    /// <summary>The wanted scale in eighths; <see cref="EncodedImageDecoder"/> lowers it while a side exceeds its MaxSide.</summary>
    int Eighths(int fullWidth, int fullHeight);
}

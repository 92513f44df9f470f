namespace Nnclr.Model;

/// <summary>A network from images [N, 3, H, W] to pooled features [N, FeatureDim].</summary>
public interface IBackbone
{
    /// <summary>Width of the pooled feature vector.</summary>
    long FeatureDim { get; }
}

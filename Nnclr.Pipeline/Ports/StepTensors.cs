using TorchSharp;

namespace Nnclr.Pipeline.Ports;

/// <summary>What one step returns: 0-dim device tensors, read to the host only at log intervals.</summary>
/// <param name="Loss">The step's loss (floating point).</param>
/// <param name="NnHits">How many of the N nearest neighbours had the sample's label (any numeric dtype).</param>
/// <param name="OnlineHits">How many view-1 samples the online linear probe classified right; null when it is off.</param>
public readonly record struct StepTensors(torch.Tensor Loss, torch.Tensor NnHits, torch.Tensor? OnlineHits = null);

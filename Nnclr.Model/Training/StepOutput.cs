namespace Nnclr.Model;

/// <summary>What one training step reports, as 0-dim tensors still on the device (reading them is a host sync).</summary>
public sealed class StepOutput : IDisposable
{
    /// <summary>The loss, fp32, detached.</summary>
    public Tensor Loss { get; }
    /// <summary>int64: view-1 samples whose nearest neighbour (before this batch was enqueued) has the same label.</summary>
    public Tensor NnHits { get; }

    /// <summary>int64: view-1 samples the online linear probe classified right (before its update); null without a probe.</summary>
    public Tensor? OnlineHits { get; }

    public StepOutput(Tensor loss, Tensor nnHits, Tensor? onlineHits = null)
    {
        Loss = loss;
        NnHits = nnHits;
        OnlineHits = onlineHits;
    }

    public void Dispose()
    {
        Loss.Dispose();
        NnHits.Dispose();
        OnlineHits?.Dispose();
    }
}

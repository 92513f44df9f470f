namespace Nnclr.Model;

/// <summary>NNCLR training settings (solo-learn CIFAR defaults). Bound from the "Nnclr" config section.</summary>
public sealed class NnclrOptions
{
    /// <summary>Rows in the support set; a multiple of the batch size.</summary>
    public int SupportSetSize { get; set; } = 65536;

    /// <summary>Softmax temperature τ of the contrastive loss.</summary>
    public double Temperature { get; set; } = 0.2;

    /// <summary>1: nearest neighbour; k &gt; 1: uniform pick among the k most similar rows.</summary>
    public int TopK { get; set; } = 1;

    /// <summary>paper | symmetric | simclr (see <see cref="NnclrLoss"/>).</summary>
    public string Loss { get; set; } = "paper";

    /// <summary>lars | sgd | adamw.</summary>
    public string Optimizer { get; set; } = "lars";

    /// <summary>Peak learning rate per 256 images: peak lr = BaseLr × batch / 256.</summary>
    public double BaseLr { get; set; } = 0.4;

    /// <summary>Weight decay, applied to weights with two or more dimensions only (bias and BN excluded).</summary>
    public double WeightDecay { get; set; } = 1e-5;

    /// <summary>Momentum of LARS and SGD (AdamW's β1 is 0.9 regardless).</summary>
    public double Momentum { get; set; } = 0.9;

    /// <summary>LARS trust coefficient η.</summary>
    public double LarsEta { get; set; } = 0.02;

    /// <summary>LARS: clip the adaptive rate at 1 after dividing by lr (solo-learn's clip_lr).</summary>
    public bool LarsClipLr { get; set; } = true;

    /// <summary>Linear warm-up steps (from lr/WarmupSteps up to the peak).</summary>
    public long WarmupSteps { get; set; }

    /// <summary>Steps of the whole run; the cosine decay reaches 0 here. 0: no decay after warm-up.</summary>
    public long TotalSteps { get; set; }

    /// <summary>fp32 | bf16 (bf16 compute, fp32 master weights, fp32 loss).</summary>
    public string Precision { get; set; } = "fp32";

    /// <summary>Convolution weights and inputs in NHWC strides.</summary>
    public bool ChannelsLast { get; set; }

    /// <summary>Seed of weight initialisation and of the trainer's generator (support-set init, top-k picks).</summary>
    public long Seed { get; set; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate(int batchSize)
    {
        if (batchSize < 2) throw new ArgumentException($"batch size must be at least 2, got {batchSize}", nameof(batchSize));
        if (SupportSetSize < batchSize || SupportSetSize % batchSize != 0)
            throw new ArgumentException($"Nnclr.SupportSetSize ({SupportSetSize}) must be a positive multiple of the batch size ({batchSize})", nameof(SupportSetSize));
        if (!(Temperature > 0)) throw new ArgumentException($"Nnclr.Temperature must be positive, got {Temperature}", nameof(Temperature));
        if (TopK < 1 || TopK > SupportSetSize) throw new ArgumentException($"Nnclr.TopK must be in 1..SupportSetSize, got {TopK}", nameof(TopK));
        _ = LossVariants.Parse(Loss);
        if (Optimizer is not ("lars" or "sgd" or "adamw"))
            throw new ArgumentException($"Nnclr.Optimizer '{Optimizer}' is not one of lars, sgd, adamw", nameof(Optimizer));
        if (!(BaseLr >= 0)) throw new ArgumentException($"Nnclr.BaseLr must be non-negative, got {BaseLr}", nameof(BaseLr));
        if (!(WeightDecay >= 0)) throw new ArgumentException($"Nnclr.WeightDecay must be non-negative, got {WeightDecay}", nameof(WeightDecay));
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentException($"Nnclr.Momentum must be in [0, 1), got {Momentum}", nameof(Momentum));
        if (!(LarsEta > 0)) throw new ArgumentException($"Nnclr.LarsEta must be positive, got {LarsEta}", nameof(LarsEta));
        if (WarmupSteps < 0) throw new ArgumentException($"Nnclr.WarmupSteps must be non-negative, got {WarmupSteps}", nameof(WarmupSteps));
        if (TotalSteps < 0) throw new ArgumentException($"Nnclr.TotalSteps must be non-negative, got {TotalSteps}", nameof(TotalSteps));
        if (TotalSteps > 0 && WarmupSteps > TotalSteps)
            throw new ArgumentException($"Nnclr.WarmupSteps ({WarmupSteps}) exceeds Nnclr.TotalSteps ({TotalSteps})", nameof(WarmupSteps));
        if (Precision is not ("fp32" or "bf16"))
            throw new ArgumentException($"Nnclr.Precision '{Precision}' is not one of fp32, bf16", nameof(Precision));
    }
}

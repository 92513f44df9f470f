namespace Nnclr.Data.Ingest;

/// <summary>Which CIFAR binary distribution: 10 classes (1 label byte) or 100 (coarse + fine label bytes; the fine label is used).</summary>
public enum CifarKind { Cifar10, Cifar100 }

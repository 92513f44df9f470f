namespace Nnclr.Model.Runtime;

/// <summary>The device a run uses, or the one-line reason it cannot run (see <see cref="TorchRuntime.DecideDevice"/>).</summary>
public sealed record DeviceDecision(
    // "cpu", "cuda" or "cuda:N"; null exactly when Error is set.
    string? Device,
    // Cause and fix in one line; null when Device is set.
    string? Error);

namespace Nnclr.Model;

/// <summary>One maths-relevant configuration key whose value differs between a stored and the current configuration.</summary>
/// <param name="Key">"Section:Key", e.g. "Optim:BatchSize".</param>
/// <param name="Stored">The stored value as JSON text, or null when the stored configuration lacks the key.</param>
/// <param name="Current">The current value as JSON text, or null when the current configuration lacks the key.</param>
public sealed record ConfigChange(string Key, string? Stored, string? Current)
{
    /// <summary>"Optim:BatchSize 128 → 32".</summary>
    public override string ToString() => $"{Key} {Stored ?? "(absent)"} → {Current ?? "(absent)"}";
}

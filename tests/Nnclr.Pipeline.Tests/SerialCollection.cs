namespace Nnclr.Pipeline.Tests;

/// <summary>Tests that measure the whole process (allocations) run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}

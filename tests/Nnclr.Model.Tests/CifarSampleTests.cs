namespace Nnclr.Model.Tests;

public sealed class CifarSampleTests
{
    [Fact]
    public void Train_FirstRecords_MatchPublishedValues()
    {
        var r = CifarSample.Train;
        Assert.Equal(new[] { 6, 9, 9, 4, 1, 1, 2, 7, 8, 3 }, Enumerable.Range(0, 10).Select(i => CifarSample.Label(r, i)));
        Assert.Equal((byte)59, r[1]);          // red of pixel 0
        Assert.Equal((byte)62, r[1 + 1024]);   // green
        Assert.Equal((byte)63, r[1 + 2048]);   // blue
    }
}

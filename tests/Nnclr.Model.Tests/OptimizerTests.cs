namespace Nnclr.Model.Tests;

/// <summary>LARS, SGD, AdamW and the schedule against formulas computed by hand.</summary>
public sealed class OptimizerTests
{
    public OptimizerTests() => TorchSetup.Ensure();

    private const double Eta = 0.02, Wd = 1e-2, Mom = 0.9, Eps = 1e-8;

    private static double Norm(double[] v) => Math.Sqrt(v.Sum(x => x * x));

    // solo-learn's LARS for one weight matrix (flattened): returns the new weight and momentum buffer.
    private static (double[] W, double[] Buf) LarsByHand(double[] w, double[] g, double[] buf, double lr, bool clip)
    {
        double pn = Norm(w), gn = Norm(g);
        var d = w.Select((x, i) => g[i] + Wd * x).ToArray();
        double q = 1;
        if (pn > 0 && gn > 0)
        {
            q = Eta * pn / (gn + Wd * pn + Eps);
            if (clip) q = Math.Min(q / lr, 1);
        }
        var nb = buf.Select((b, i) => Mom * b + q * d[i]).ToArray();
        return (w.Select((x, i) => x - lr * nb[i]).ToArray(), nb);
    }

    [Theory]
    [InlineData(true, 0.5)]   // q / lr < 1: adaptive
    [InlineData(true, 0.001)] // q / lr > 1: clipped to 1
    [InlineData(false, 0.5)]
    public void LarsStep_FixedTensors_EqualsHandFormula(bool clip, double lr)
    {
        double[] w0 = [0.5, -1.0, 2.0, 0.25], b0 = [0.1, -0.2];
        double[] g1 = [0.3, 0.1, -0.4, 0.2], gb1 = [0.05, -0.5];
        double[] g2 = [-0.1, 0.2, 0.3, 0.0], gb2 = [0.2, 0.1];
        using var scope = torch.NewDisposeScope();
        var w = new Parameter(torch.tensor(w0.Select(x => (float)x).ToArray(), [2, 2]));
        var b = new Parameter(torch.tensor(b0.Select(x => (float)x).ToArray(), [2]));
        var lars = new Lars([("w", w), ("b", b)], Mom, Wd, Eta, clip);

        double[] ew = w0, ebuf = new double[4], eb = b0, ebb = new double[2];
        foreach (var (gw, gb) in new[] { (g1, gb1), (g2, gb2) })
        {
            w.grad = torch.tensor(gw.Select(x => (float)x).ToArray(), [2, 2]);
            b.grad = torch.tensor(gb.Select(x => (float)x).ToArray(), [2]);
            lars.Step(lr);
            (ew, ebuf) = LarsByHand(ew, gw, ebuf, lr, clip);
            // 1-D parameter: no weight decay, no adaptation.
            ebb = ebb.Select((m, i) => Mom * m + gb[i]).ToArray();
            eb = eb.Select((x, i) => x - lr * ebb[i]).ToArray();
        }
        AssertClose(ew, w);
        AssertClose(eb, b);
        AssertClose(ebuf, lars.State[0].Tensor);
        Assert.Equal(2, lars.Updates);
    }

    [Fact]
    public void LarsStep_ZeroGradient_LeavesTrustAtOne()
    {
        using var scope = torch.NewDisposeScope();
        var w = new Parameter(torch.ones(2, 2));
        var lars = new Lars([("w", w)], Mom, Wd, Eta, clipLr: true);
        w.grad = torch.zeros(2, 2);
        lars.Step(0.1);
        // d = 0 + wd·w, q = 1 (gradient norm 0): w = 1 − 0.1·wd
        AssertClose([1 - 0.1 * Wd, 1 - 0.1 * Wd, 1 - 0.1 * Wd, 1 - 0.1 * Wd], w);
    }

    [Fact]
    public void SgdStep_FixedTensors_EqualsHandFormula()
    {
        using var scope = torch.NewDisposeScope();
        var w = new Parameter(torch.tensor(new float[] { 1, 2 }, [1, 2]));
        var sgd = new Sgd([("w", w)], Mom, Wd);
        w.grad = torch.tensor(new float[] { 0.5f, -1 }, [1, 2]);
        sgd.Step(0.1);
        w.grad = torch.tensor(new float[] { 0.5f, -1 }, [1, 2]);
        sgd.Step(0.1);
        double[] x = [1, 2], buf = [0, 0], g = [0.5, -1];
        for (int s = 0; s < 2; s++)
            for (int i = 0; i < 2; i++) { buf[i] = Mom * buf[i] + g[i] + Wd * x[i]; x[i] -= 0.1 * buf[i]; }
        AssertClose(x, w);
    }

    [Fact]
    public void AdamWStep_FixedTensors_EqualsHandFormula()
    {
        using var scope = torch.NewDisposeScope();
        var w = new Parameter(torch.tensor(new float[] { 1, -2 }, [1, 2]));
        var adam = new AdamW([("w", w)], Wd);
        double[] x = [1, -2], m = [0, 0], v = [0, 0];
        double[][] grads = [[0.5, 0.25], [-0.3, 0.1]];
        for (int t = 1; t <= 2; t++)
        {
            var g = grads[t - 1];
            w.grad = torch.tensor(g.Select(q => (float)q).ToArray(), [1, 2]);
            adam.Step(0.01);
            for (int i = 0; i < 2; i++)
            {
                x[i] *= 1 - 0.01 * Wd;
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                double mh = m[i] / (1 - Math.Pow(0.9, t)), vh = v[i] / (1 - Math.Pow(0.999, t));
                x[i] -= 0.01 * mh / (Math.Sqrt(vh) + 1e-8);
            }
        }
        AssertClose(x, w);
    }

    [Fact]
    public void LrSchedule_WarmupThenCosine_HasExpectedValues()
    {
        double peak = LrSchedule.ScaledPeak(0.4, 512);
        Assert.Equal(0.8, peak, 12);
        var s = new LrSchedule(peak, 10, 100);
        Assert.Equal(0.08, s.At(0), 12);
        Assert.Equal(0.8, s.At(9), 12);
        Assert.Equal(0.8, s.At(10), 12);
        Assert.Equal(0.4, s.At(55), 12);
        Assert.Equal(0.0, s.At(100), 12);
        Assert.Equal(0.0, s.At(150), 12);
        Assert.Equal(0.8, new LrSchedule(0.8, 0, 0).At(1234), 12);
    }

    private static void AssertClose(double[] expected, Tensor actual)
    {
        var got = actual.detach().contiguous().data<float>().ToArray();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < got.Length; i++)
            Assert.True(Math.Abs(expected[i] - got[i]) < 1e-6 + 1e-5 * Math.Abs(expected[i]), $"element {i}: expected {expected[i]}, got {got[i]}");
    }
}

namespace Nnclr.Model.Tests;

/// <summary>NnclrLoss against a hand computation in plain doubles.</summary>
public sealed class LossTests
{
    public LossTests() => TorchSetup.Ensure();

    // N = 3 samples, D = 4; nn rows deliberately not unit length (the loss normalises them).
    private static readonly double[,] Nn1 = { { 1, 0.5, -0.2, 0.3 }, { -0.4, 1, 0.2, 0 }, { 0.3, -0.1, 0.9, 0.5 } };
    private static readonly double[,] Nn2 = { { 0.8, 0.4, 0.1, -0.3 }, { -0.2, 0.7, 0.6, 0.1 }, { 0.5, 0.2, -0.8, 0.4 } };
    private static readonly double[,] P1 = { { 0.9, 0.3, -0.1, 0.2 }, { 0.1, 1.2, 0.3, -0.2 }, { 0.2, 0.1, 1.1, 0.7 } };
    private static readonly double[,] P2 = { { 1.1, 0.2, 0.2, -0.1 }, { -0.3, 0.8, 0.5, 0.2 }, { 0.4, -0.3, 0.7, 0.6 } };
    private const double Tau = 0.2;

    private static double[][] Unit(double[,] m)
    {
        int n = m.GetLength(0), d = m.GetLength(1);
        var r = new double[n][];
        for (int i = 0; i < n; i++)
        {
            double norm = 0;
            for (int j = 0; j < d; j++) norm += m[i, j] * m[i, j];
            norm = Math.Sqrt(norm);
            r[i] = new double[d];
            for (int j = 0; j < d; j++) r[i][j] = m[i, j] / norm;
        }
        return r;
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();

    private static double LogSumExp(IEnumerable<double> xs)
    {
        var list = xs.ToList();
        double max = list.Max();
        return max + Math.Log(list.Sum(x => Math.Exp(x - max)));
    }

    // One direction of the loss, written out element by element.
    private static double Term(double[][] a, double[][] b, double[][] same, string variant)
    {
        int n = a.Length;
        double rows = 0, cols = 0;
        for (int i = 0; i < n; i++)
        {
            var logits = Enumerable.Range(0, n).Select(j => Dot(a[i], b[j]) / Tau).ToList();
            if (variant == "simclr")
                logits.AddRange(Enumerable.Range(0, n).Where(k => k != i).Select(k => Dot(a[i], same[k]) / Tau));
            rows += LogSumExp(logits) - Dot(a[i], b[i]) / Tau;
            // transposed: column i, softmax over the anchors
            cols += LogSumExp(Enumerable.Range(0, n).Select(k => Dot(a[k], b[i]) / Tau)) - Dot(a[i], b[i]) / Tau;
        }
        return variant == "symmetric" ? rows / n + cols / n : rows / n;
    }

    [Theory]
    [InlineData("paper")]
    [InlineData("symmetric")]
    [InlineData("simclr")]
    public void Compute_SmallFixedInputs_EqualsHandComputation(string variant)
    {
        double expected = Term(Unit(Nn1), Unit(P2), Unit(P1), variant) / 2 + Term(Unit(Nn2), Unit(P1), Unit(P2), variant) / 2;
        using var scope = torch.NewDisposeScope();
        var loss = NnclrLoss.Compute(T(Nn1), T(P1), T(Nn2), T(P2), Tau, LossVariants.Parse(variant));
        Assert.Equal(0, loss.dim());
        Assert.Equal(expected, loss.item<float>(), 5);
    }

    [Fact]
    public void Compute_Variants_Differ()
    {
        using var scope = torch.NewDisposeScope();
        float paper = NnclrLoss.Compute(T(Nn1), T(P1), T(Nn2), T(P2), Tau, LossVariant.Paper).item<float>();
        float sym = NnclrLoss.Compute(T(Nn1), T(P1), T(Nn2), T(P2), Tau, LossVariant.Symmetric).item<float>();
        float simclr = NnclrLoss.Compute(T(Nn1), T(P1), T(Nn2), T(P2), Tau, LossVariant.SimClr).item<float>();
        Assert.True(sym > paper && simclr > paper, $"paper {paper}, symmetric {sym}, simclr {simclr}");
    }

    [Fact]
    public void Compute_GradientFlowsToPredictionsOnly()
    {
        using var scope = torch.NewDisposeScope();
        var nn1 = T(Nn1).requires_grad_(true);
        var p1 = T(P1).requires_grad_(true);
        using (var support = SupportSetTests.Filled(Unit(Nn2)))
        {
            var z2 = T(Nn2).requires_grad_(true);
            var (nn2, _) = support.Nearest(z2, 1, null);
            Assert.False(nn2.requires_grad);
            var p2 = T(P2).requires_grad_(true);
            NnclrLoss.Compute(nn1.detach(), p1, nn2, p2, Tau, LossVariant.Symmetric).backward();
            Assert.Null(z2.grad);
            Assert.NotNull(p1.grad);
            Assert.NotNull(p2.grad);
            Assert.False(support.Queue.requires_grad);
            Assert.Null(support.Queue.grad);
        }
    }

    [Fact]
    public void Parse_UnknownVariant_NamesTheSetting()
    {
        var e = Assert.Throws<ArgumentException>(() => LossVariants.Parse("infonce"));
        Assert.Contains("Nnclr:Loss", e.Message);
    }

    private static Tensor T(double[,] m)
    {
        var flat = new float[m.Length];
        int k = 0;
        foreach (var v in m) flat[k++] = (float)v;
        return torch.tensor(flat, [m.GetLength(0), m.GetLength(1)]);
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Nnclr.Model.Tests;

/// <summary>A real libtorch Conv2d forward and backward against plain double loops.</summary>
public sealed class ConvOpTests
{
    public ConvOpTests() => TorchSetup.Ensure();

    [Fact]
    public void Conv2d_ForwardBackward_MatchesDoubleLoops()
    {
        const int n = 2, cin = 2, cout = 3, h = 5, w = 6, k = 3, s = 2, p = 1;
        int oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1;
        var rng = new Random(7);
        double[] X = Fill(rng, n * cin * h * w), W = Fill(rng, cout * cin * k * k), B = Fill(rng, cout), G = Fill(rng, n * cout * oh * ow);

        using var scope = torch.NewDisposeScope();
        var conv = nn.Conv2d(cin, cout, k, stride: s, padding: p, bias: true);
        using (torch.no_grad())
        {
            conv.weight!.copy_(T(W, cout, cin, k, k));
            conv.bias!.copy_(T(B, cout));
        }
        var x = T(X, n, cin, h, w).requires_grad_(true);
        var y = conv.call(x);
        (y * T(G, n, cout, oh, ow)).sum().backward();

        var yRef = new double[n * cout * oh * ow];
        var dW = new double[W.Length];
        var dB = new double[cout];
        var dX = new double[X.Length];
        for (int b = 0; b < n; b++)
        for (int o = 0; o < cout; o++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            int yi = ((b * cout + o) * oh + i) * ow + j;
            double acc = B[o];
            double g = G[yi];
            dB[o] += g;
            for (int c = 0; c < cin; c++)
            for (int ki = 0; ki < k; ki++)
            for (int kj = 0; kj < k; kj++)
            {
                int r = i * s + ki - p, q = j * s + kj - p;
                if (r < 0 || r >= h || q < 0 || q >= w) continue;
                int xi = ((b * cin + c) * h + r) * w + q, wi = ((o * cin + c) * k + ki) * k + kj;
                acc += W[wi] * X[xi];
                dW[wi] += g * X[xi];
                dX[xi] += g * W[wi];
            }
            yRef[yi] = acc;
        }
        AssertClose(yRef, y);
        AssertClose(dW, conv.weight!.grad!);
        AssertClose(dB, conv.bias!.grad!);
        AssertClose(dX, x.grad!);
    }

    private static double[] Fill(Random rng, int count) => Enumerable.Range(0, count).Select(_ => rng.NextDouble() * 2 - 1).ToArray();

    private static Tensor T(double[] values, params long[] shape) =>
        torch.tensor(values.Select(v => (float)v).ToArray(), shape);

    private static void AssertClose(double[] expected, Tensor actual)
    {
        var got = actual.detach().contiguous().data<float>().ToArray();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < got.Length; i++)
            Assert.True(Math.Abs(expected[i] - got[i]) < 1e-4, $"element {i}: expected {expected[i]}, got {got[i]}");
    }
}

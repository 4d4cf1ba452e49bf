using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

torch.set_num_threads(2);
TinyGpt.GlibcMalloc.Tune();
long B = long.Parse(args.ElementAtOrDefault(0) ?? "64"), H = 6, T = 256, D = 64;
double p = 0.2;
var mask = ones(T, T, dtype: ScalarType.Bool).triu(1);          // true above the diagonal
var maskAdd = zeros(T, T).masked_fill(mask, float.NegativeInfinity);

Tensor Sdpa32(Tensor q, Tensor k, Tensor v, double drop) => F.scaled_dot_product_attention(q, k, v, p: drop, is_casual: true);
Tensor SdpaBf(Tensor q, Tensor k, Tensor v, double drop) => F.scaled_dot_product_attention(q.to(ScalarType.BFloat16), k.to(ScalarType.BFloat16), v.to(ScalarType.BFloat16), p: drop, is_casual: true).to(ScalarType.Float32);
Tensor Manual32(Tensor q, Tensor k, Tensor v, double drop)
{
    var att = matmul(q, k.transpose(-2, -1)) * (1.0 / Math.Sqrt(D));
    att = att.masked_fill(mask, float.NegativeInfinity);
    att = F.softmax(att, -1);
    att = F.dropout(att, drop, true);
    return matmul(att, v);
}
Tensor ManualBf(Tensor q, Tensor k, Tensor v, double drop)
{
    var qb = (q * (1.0 / Math.Sqrt(D))).to(ScalarType.BFloat16); var kb = k.to(ScalarType.BFloat16); var vb = v.to(ScalarType.BFloat16);
    var att = matmul(qb, kb.transpose(-2, -1));                  // bf16 [B,H,T,T]
    att = F.softmax(att.to(ScalarType.Float32) + maskAdd, -1);   // fp32
    att = F.dropout(att, drop, true);
    return matmul(att.to(ScalarType.BFloat16), vb).to(ScalarType.Float32);
}
Tensor ManualBfAll(Tensor q, Tensor k, Tensor v, double drop)
{
    var qb = (q * (1.0 / Math.Sqrt(D))).to(ScalarType.BFloat16); var kb = k.to(ScalarType.BFloat16); var vb = v.to(ScalarType.BFloat16);
    var att = matmul(qb, kb.transpose(-2, -1)).masked_fill(mask, float.NegativeInfinity);   // bf16
    att = F.softmax(att, -1, ScalarType.Float32);                // computed in fp32
    att = F.dropout(att.to(ScalarType.BFloat16), drop, true);
    return matmul(att, vb).to(ScalarType.Float32);
}

void Time(string name, Func<Tensor, Tensor, Tensor, double, Tensor> f, double drop)
{
    var best = double.MaxValue; double fw = 0;
    for (var i = 0; i < 4; i++)
    {
        using var scope = NewDisposeScope();
        var q = randn(B, H, T, D, requires_grad: true); var k = randn(B, H, T, D, requires_grad: true); var v = randn(B, H, T, D, requires_grad: true);
        var sw = Stopwatch.StartNew();
        var y = f(q, k, v, drop);
        var f1 = sw.Elapsed.TotalMilliseconds;
        y.sum().backward();
        var t = sw.Elapsed.TotalMilliseconds;
        if (i > 0 && t < best) { best = t; fw = f1; }
    }
    Console.WriteLine($"{name,-28} drop {drop}: {best,7:F1} ms fwd+bwd ({fw:F1} fwd) per layer");
}
Time("sdpa fp32", Sdpa32, 0); Time("sdpa fp32", Sdpa32, p);
Time("sdpa bf16", SdpaBf, 0); Time("sdpa bf16", SdpaBf, p);
Time("manual fp32", Manual32, p);
Time("manual bf16 mm, fp32 softmax", ManualBf, p);
Time("manual bf16 all", ManualBfAll, p);

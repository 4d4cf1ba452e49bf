namespace TinyGpt.Generators.Tests.ShapeAnalysis;

/// <summary>One program of the corpus: a real shape bug (with the warning it must get) or correct code (which must get none).</summary>
public sealed record ShapeCase(string Name, string Source, string? Expected)
{
    public override string ToString() => Name;
}

/// <summary>
/// The classic shape bugs of hand-written attention and training code — the walkthrough's cells, nanoGPT's
/// model and training loop as people write them in TorchSharp — each beside its fix, and more correct
/// code in the styles people use (module classes with fields, symbolic sizes, loops, branches).
/// </summary>
public static class ShapeCorpus
{
    private static string M(string body) => ShapeHarness.InMethod(body);

    /// <summary>The model the [Gpt] cases use: BlockSize 8, VocabSize 65.</summary>
    private const string SmallGpt = """
        [Gpt(Layers = 1, Heads = 2, Embd = 16, BlockSize = 8, VocabSize = 65)]
        public partial class SmallGpt;

        """;

    public static readonly ShapeCase[] Bugs =
    [
        new("attention scores without transposing k", M("""
            int B = 4, T = 8, C = 32, headSize = 16;
            var x = torch.randn(B, T, C);
            var key = nn.Linear(C, headSize, hasBias: false);
            var query = nn.Linear(C, headSize, hasBias: false);
            var k = key.forward(x);
            var q = query.forward(x);
            var wei = q.matmul(k);
            """), "TGPT101"),
        new("attention scores with k transposed on the wrong dims", M("""
            var q = torch.randn(4, 8, 16);
            var k = torch.randn(4, 8, 16);
            var wei = q.matmul(k.transpose(0, 1));
            """), "TGPT101"),
        new("attention output multiplied by v on the wrong side", M("""
            var wei = torch.randn(4, 8, 8).softmax(-1);
            var v = torch.randn(4, 8, 16);
            var outp = v.matmul(wei);
            """), "TGPT101"),
        new("heads split with the full width instead of the head size", M("""
            const int B = 4, T = 8, C = 32, nHead = 4;
            var x = torch.randn(B, T, C);
            var q = x.view(B, T, nHead, C);
            """), "TGPT102"),
        new("heads merged back with the head size instead of the width", M("""
            const int B = 4, T = 8, C = 32, nHead = 4;
            var y = torch.randn(B, nHead, T, C / nHead);
            var merged = y.transpose(1, 2).contiguous().view(B, T, C / nHead);
            """), "TGPT102"),
        new("causal mask of BlockSize not cropped to T", M("""
            const int blockSize = 16, T = 8;
            var tril = torch.tril(torch.ones(blockSize, blockSize));
            var wei = torch.randn(4, T, T);
            wei = wei.masked_fill(tril == 0, float.NegativeInfinity);
            """), "TGPT104"),
        new("logits [B, T, C] passed to cross_entropy unflattened", M("""
            int B = 4, T = 8, vocab = 65;
            var logits = torch.randn(B, T, vocab);
            var targets = torch.randint(vocab, new long[] { B, T });
            var loss = F.cross_entropy(logits, targets);
            """), "TGPT110"),
        new("logits flattened but targets not", M("""
            int B = 4, T = 8, vocab = 65;
            var logits = torch.randn(B, T, vocab).view(B * T, vocab);
            var targets = torch.randint(vocab, new long[] { B, T });
            var loss = F.cross_entropy(logits, targets);
            """), "TGPT110"),
        new("logits flattened to the embedding width", M("""
            int B = 4, T = 8, vocab = 65, nEmbd = 32;
            var logits = torch.randn(B, T, vocab);
            var flat = logits.view(B * T, nEmbd);
            """), "TGPT102"),
        new("float targets for cross_entropy", M("""
            var logits = torch.randn(32, 65);
            var targets = torch.zeros(32);
            var loss = F.cross_entropy(logits, targets);
            """), "TGPT110"),
        new("projection sized for one head applied to all heads", M("""
            int B = 4, T = 8, nEmbd = 32, nHead = 4, headSize = 8;
            var head = torch.randn(B, T, headSize);
            var proj = nn.Linear(headSize, nEmbd);
            var outp = proj.forward(torch.cat(new[] { head, head, head, head }, -1));
            """), "TGPT106"),
        new("MLP second layer not widened by 4", M("""
            int nEmbd = 32;
            var fc = nn.Linear(nEmbd, 4 * nEmbd);
            var proj = nn.Linear(nEmbd, nEmbd);
            var x = torch.randn(4, 8, nEmbd);
            var y = proj.forward(F.gelu(fc.forward(x)));
            """), "TGPT106"),
        new("token ids made as floats", M("""
            var wte = nn.Embedding(65, 32);
            var idx = torch.zeros(4, 8);
            var tok = wte.forward(idx);
            """), "TGPT107"),
        new("position embedding of the whole block added to a shorter context", M("""
            const int blockSize = 16, T = 8, nEmbd = 32;
            var wte = nn.Embedding(65, nEmbd);
            var wpe = nn.Embedding(blockSize, nEmbd);
            var idx = torch.randint(65, new long[] { 4, T });
            var x = wte.forward(idx) + wpe.forward(torch.arange(blockSize));
            """), "TGPT103"),
        new("LayerNorm of the width applied per head", M("""
            var ln = nn.LayerNorm(32);
            var head = torch.randn(4, 8, 16);
            var y = ln.forward(head);
            """), "TGPT108"),
        new("softmax over a dim the scores do not have", M("""
            var wei = torch.randn(4, 8, 8);
            var p = F.softmax(wei, 3);
            """), "TGPT105"),
        new("mm on batched matrices", M("""
            var a = torch.randn(4, 8, 16);
            var b = torch.randn(16, 8);
            var c = a.mm(b);
            """), "TGPT101"),
        new("bmm of batches of different sizes", M("""
            var a = torch.randn(4, 8, 16);
            var b = torch.randn(2, 16, 8);
            var c = a.bmm(b);
            """), "TGPT101"),
        new("cat of heads of different lengths", M("""
            var h1 = torch.randn(4, 8, 16);
            var h2 = torch.randn(4, 7, 16);
            var y = torch.cat(new[] { h1, h2 }, -1);
            """), "TGPT109"),
        new("stack of batches of different shapes", M("""
            var xs = new[] { torch.zeros(8, dtype: ScalarType.Int64), torch.zeros(9, dtype: ScalarType.Int64) };
            var batch = torch.stack(xs, 0);
            """), "TGPT109"),
        new("generating past the context without cropping", SmallGpt + """
            public static class Generation
            {
                public static void Run()
                {
                    using var model = new SmallGpt();
                    var idx = torch.zeros(1, 12, dtype: ScalarType.Int64);
                    var logits = model.forward(idx);
                }
            }
            """, "TGPT112"),
        new("a [Gpt] model fed float ids", SmallGpt + """
            public static class Generation
            {
                public static void Run()
                {
                    using var model = new SmallGpt();
                    var logits = model.forward(torch.zeros(2, 8));
                }
            }
            """, "TGPT112"),
        new("narrow past the end of the sequence", M("""
            var x = torch.randn(4, 8, 32);
            var last = x.narrow(1, 7, 2);
            """), "TGPT111"),
        new("unsqueeze beyond the rank", M("""
            var x = torch.randn(4, 8);
            var y = x.unsqueeze(3);
            """), "TGPT105"),
        new("permute listing too few dims", M("""
            var x = torch.randn(4, 8, 2, 16);
            var y = x.permute(0, 2, 1);
            """), "TGPT105"),
        new("residual added to the attention scores instead of the output", M("""
            var x = torch.randn(4, 8, 32);
            var wei = torch.randn(4, 8, 8);
            var y = x + wei;
            """), "TGPT103"),
        new("the walkthrough's head as a module with the transpose forgotten", """
            public sealed class Head : nn.Module<Tensor, Tensor>
            {
                private const int NEmbd = 32, HeadSize = 16, BlockSize = 8;
                private readonly Linear key = nn.Linear(NEmbd, HeadSize, hasBias: false);
                private readonly Linear query = nn.Linear(NEmbd, HeadSize, hasBias: false);
                public Head() : base("head") => RegisterComponents();
                public override Tensor forward(Tensor x)
                {
                    var probe = torch.randn(4, BlockSize, NEmbd);
                    var k = key.forward(probe);
                    var q = query.forward(probe);
                    return q.matmul(k);
                }
            }
            """, "TGPT101"),
        new("a module whose constructor sizes the projection for one head", """
            public sealed class MultiHead : nn.Module<Tensor, Tensor>
            {
                private readonly Linear proj;
                public MultiHead() : base("mh")
                {
                    const int headSize = 8;
                    proj = nn.Linear(headSize, 32);
                    RegisterComponents();
                }
                public override Tensor forward(Tensor x) => proj.forward(torch.randn(4, 8, 32));
            }
            """, "TGPT106"),
        new("batch sampled with the block size but viewed with twice as many tokens", M("""
            const int B = 4, blockSize = 8;
            var xb = torch.randint(65, new long[] { B, blockSize });
            var flat = xb.view(B * blockSize * 2);
            """), "TGPT102"),
        new("batched matmul with batch dims that do not broadcast", M("""
            var a = torch.randn(2, 3, 4);
            var b = torch.randn(5, 4, 6);
            var c = torch.matmul(a, b);
            """), "TGPT101"),
    ];

    public static readonly ShapeCase[] Correct =
    [
        new("the walkthrough's single head of self-attention", M("""
            int B = 4, T = 8, C = 32, headSize = 16;
            var x = torch.randn(B, T, C);
            var key = nn.Linear(C, headSize, hasBias: false);
            var query = nn.Linear(C, headSize, hasBias: false);
            var value = nn.Linear(C, headSize, hasBias: false);
            var k = key.forward(x);
            var q = query.forward(x);
            var wei = q.matmul(k.transpose(-2, -1)) * Math.Pow(headSize, -0.5);
            var tril = torch.tril(torch.ones(T, T));
            wei = wei.masked_fill(tril == 0, float.NegativeInfinity);
            wei = F.softmax(wei, -1);
            var v = value.forward(x);
            var outp = wei.matmul(v);
            """), null),
        new("heads split and merged as nanoGPT does", M("""
            const int B = 4, T = 8, C = 32, nHead = 4;
            var qkv = nn.Linear(C, 3 * C).forward(torch.randn(B, T, C));
            var parts = qkv.split(C, 2);
            var q = parts[0].view(B, T, nHead, C / nHead).transpose(1, 2);
            var k = parts[1].view(B, T, nHead, C / nHead).transpose(1, 2);
            var v = parts[2].view(B, T, nHead, C / nHead).transpose(1, 2);
            var att = q.matmul(k.transpose(-2, -1)) * (1.0 / Math.Sqrt(C / nHead));
            var bias = torch.tril(torch.ones(16, 16)).view(1, 1, 16, 16);
            att = att.masked_fill(bias[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(0, T), TensorIndex.Slice(0, T)] == 0, float.NegativeInfinity);
            att = F.softmax(att, -1);
            var y = att.matmul(v).transpose(1, 2).contiguous().view(B, T, C);
            var outp = nn.Linear(C, C).forward(y);
            """), null),
        new("the mask cropped to T", M("""
            const int blockSize = 16, T = 8;
            var tril = torch.tril(torch.ones(blockSize, blockSize));
            var wei = torch.randn(4, T, T);
            wei = wei.masked_fill(tril[TensorIndex.Slice(null, T), TensorIndex.Slice(null, T)] == 0, float.NegativeInfinity);
            """), null),
        new("the loss on flattened logits and targets", M("""
            int B = 4, T = 8, vocab = 65;
            var logits = torch.randn(B, T, vocab);
            var targets = torch.randint(vocab, new long[] { B, T });
            var loss = F.cross_entropy(logits.view(B * T, vocab), targets.view(B * T));
            var loss2 = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1));
            """), null),
        new("flattening with -1 in either place", M("""
            var x = torch.randn(4, 8, 65);
            var a = x.view(-1, 65);
            var b = x.reshape(32, -1);
            var c = x.flatten(0, 1);
            var d = a + b + c;
            """), null),
        new("token and position embeddings of the same T", M("""
            const int blockSize = 16, nEmbd = 32;
            var wte = nn.Embedding(65, nEmbd);
            var wpe = nn.Embedding(blockSize, nEmbd);
            var idx = torch.randint(65, new long[] { 4, 8 });
            var T = idx.shape[1];
            var x = wte.forward(idx) + wpe.forward(torch.arange(T));
            var ln = nn.LayerNorm(nEmbd);
            var h = ln.forward(x);
            """), null),
        new("MLP 4x wide", M("""
            int nEmbd = 32;
            var fc = nn.Linear(nEmbd, 4 * nEmbd);
            var proj = nn.Linear(4 * nEmbd, nEmbd);
            var x = torch.randn(4, 8, nEmbd);
            var y = x + proj.forward(F.gelu(fc.forward(x)));
            """), null),
        new("multi-head concat along the last dim", M("""
            int B = 4, T = 8, nEmbd = 32, headSize = 8;
            var heads = new[] { torch.randn(B, T, headSize), torch.randn(B, T, headSize), torch.randn(B, T, headSize), torch.randn(B, T, headSize) };
            var proj = nn.Linear(4 * headSize, nEmbd);
            var outp = proj.forward(torch.cat(heads, -1));
            """), null),
        new("a generation loop that crops the context", SmallGpt + """
            public static class Generation
            {
                public static Tensor Run(int steps)
                {
                    using var model = new SmallGpt();
                    var idx = torch.zeros(1, 1, dtype: ScalarType.Int64);
                    for (var i = 0; i < steps; i++)
                    {
                        var context = idx.shape[1] > SmallGpt.BlockSize ? idx[TensorIndex.Colon, TensorIndex.Slice(-SmallGpt.BlockSize)] : idx;
                        var logits = model.forward(context);
                        var last = logits[TensorIndex.Colon, -1, TensorIndex.Colon];
                        var probs = F.softmax(last, -1);
                        var next = torch.multinomial(probs, 1);
                        idx = torch.cat(new[] { idx, next }, 1);
                    }
                    return idx;
                }
            }
            """, null),
        new("a [Gpt] model fed a full block", SmallGpt + """
            public static class Forward
            {
                public static Tensor Run()
                {
                    using var model = new SmallGpt();
                    var idx = torch.randint(SmallGpt.VocabSize, new long[] { 4, SmallGpt.BlockSize });
                    var logits = model.forward(idx);
                    return F.cross_entropy(logits.view(-1, SmallGpt.VocabSize), idx.view(-1));
                }
            }
            """, null),
        new("shapes that differ by branch are not guessed", M("""
            var x = torch.randn(4, 8);
            if (Environment.TickCount % 2 == 0)
                x = torch.randn(8, 4);
            var y = x.matmul(torch.randn(8, 3));
            """), null),
        new("a value reshaped in a loop is not guessed after it", M("""
            var x = torch.randn(2, 16);
            for (var i = 0; i < 3; i++)
                x = x.view(-1, 2);
            var y = x.view(16, 2);
            var z = y.matmul(torch.randn(2, 5));
            """), null),
        new("symbolic batch and time from the input", """
            public sealed class Attention : nn.Module<Tensor, Tensor>
            {
                private const int NEmbd = 32, NHead = 4;
                private readonly Linear cAttn = nn.Linear(NEmbd, 3 * NEmbd);
                private readonly Linear cProj = nn.Linear(NEmbd, NEmbd);
                public Attention() : base("attn") => RegisterComponents();
                public override Tensor forward(Tensor x)
                {
                    long B = x.shape[0], T = x.shape[1], C = x.shape[2];
                    var qkv = cAttn.forward(x).split(NEmbd, 2);
                    var q = qkv[0].view(B, T, NHead, C / NHead).transpose(1, 2);
                    var k = qkv[1].view(B, T, NHead, C / NHead).transpose(1, 2);
                    var v = qkv[2].view(B, T, NHead, C / NHead).transpose(1, 2);
                    var y = F.scaled_dot_product_attention(q, k, v, is_casual: true);
                    y = y.transpose(1, 2).contiguous().view(B, T, C);
                    return cProj.forward(y);
                }
            }
            """, null),
        new("in-place unsqueeze changes the tensor it is called on", M("""
            var x = torch.randn(8, 16);
            x.unsqueeze_(0);
            var y = x.bmm(torch.randn(1, 16, 4));
            """), null),
        new("a module field replaced after construction is not trusted", """
            public sealed class Swappable : nn.Module<Tensor, Tensor>
            {
                private Linear layer = nn.Linear(32, 16);
                public Swappable() : base("s") => RegisterComponents();
                public void Replace(Linear other) => layer = other;
                public override Tensor forward(Tensor x) => layer.forward(torch.randn(4, 16));
            }
            """, null),
        new("broadcasting a bias and a scalar", M("""
            var x = torch.randn(4, 8, 32);
            var bias = torch.zeros(32);
            var y = (x + bias) * 0.5 - 1;
            var z = y / torch.ones(1, 8, 1);
            var m = z.mean(new long[] { -1 }, keepdim: true);
            var s = z - m;
            """), null),
        new("reductions and their dims", M("""
            var logits = torch.randn(4, 8, 65);
            var probs = logits.softmax(-1);
            var best = probs.argmax(-1);
            var total = probs.sum(-1);
            var (values, indexes) = probs.max(-1);
            var check = values + total;
            var same = best == indexes;
            """), null),
        new("the bigram model's training step", M("""
            const int vocab = 65, B = 32, T = 8;
            var table = nn.Embedding(vocab, vocab);
            var xb = torch.randint(vocab, new long[] { B, T });
            var yb = torch.randint(vocab, new long[] { B, T });
            var logits = table.forward(xb);
            var loss = F.cross_entropy(logits.view(B * T, vocab), yb.view(B * T));
            """), null),
        new("the walkthrough's averaging with a matmul", M("""
            const int T = 8;
            var wei = torch.tril(torch.ones(T, T));
            wei = wei / wei.sum(1, keepdim: true);
            var x = torch.randn(4, T, 2);
            var xbow = wei.matmul(x);
            """), null),
        new("stack of equal blocks, as get_batch does", M("""
            const int blockSize = 8, batchSize = 4;
            var data = torch.randint(65, new long[] { 1000 });
            var ix = torch.randint(1000 - blockSize, new long[] { batchSize });
            var rows = Enumerable.Range(0, batchSize).Select(i => data.narrow(0, i, blockSize)).ToArray();
            var x = torch.stack(rows, 0);
            var flat = x.view(batchSize * blockSize);
            """), null),
        new("a lambda reads only what stays put", M("""
            var x = torch.randn(4, 8);
            Func<Tensor> f = () => x.matmul(torch.randn(8, 2));
            x = torch.randn(3, 3);
            var y = f();
            """), null),
        new("mm, bmm and matmul on the shapes they take", M("""
            var a = torch.randn(8, 16).mm(torch.randn(16, 4));
            var b = torch.randn(2, 8, 16).bmm(torch.randn(2, 16, 4));
            var c = torch.randn(2, 1, 8, 16).matmul(torch.randn(3, 16, 4));
            var d = torch.randn(16).matmul(torch.randn(16));
            var e = torch.randn(8, 16).matmul(torch.randn(16));
            """), null),
        new("sizes computed from constants", M("""
            const int nEmbd = 48, nHead = 6;
            const int headSize = nEmbd / nHead;
            var x = torch.randn(2, 5, nEmbd);
            var q = x.view(2, 5, nHead, headSize).permute(0, 2, 1, 3);
            var att = q.matmul(q.transpose(-2, -1));
            var y = att.matmul(q).permute(0, 2, 1, 3).reshape(2, 5, nEmbd);
            """), null),
        new("a switch and a try leave their locals unknown", M("""
            var x = torch.randn(4, 8);
            switch (Environment.ProcessorCount)
            {
                case 1: x = torch.randn(8, 4); break;
                default: break;
            }
            try { x = torch.randn(8, 8); } catch (Exception) { }
            var y = x.matmul(torch.randn(4, 2));
            """), null),
        new("unsqueeze, squeeze and narrow within range", M("""
            var x = torch.randn(4, 8);
            var y = x.unsqueeze(-1).unsqueeze(0).squeeze(0).squeeze(-1);
            var z = y.narrow(1, 6, 2) + torch.zeros(4, 2);
            var w = torch.cat(new[] { z, z }, 1).matmul(torch.randn(4, 3));
            """), null),
    ];
}

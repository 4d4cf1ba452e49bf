using TorchSharp;

Console.WriteLine($"tinygpt: libtorch loaded, {torch.randn(2, 3).shape.Length}-D tensor made");

using Xunit;

// Tests seed and draw from libtorch's one global generator (weight init, dropout); running
// them in parallel would interleave those draws and break the exact-reproduction tests.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

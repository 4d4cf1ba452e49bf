# Sourced by the bench scripts that run PyTorch. Debian 12's OpenBLAS 0.3.21 does not know newer CPUs (a
# Sapphire Rapids VM, family 6 model 207, seen here) and falls back to its generic "Prescott" kernels, about
# 5x slower than the AVX-512 ones the CPU runs (see bench/RESULTS.md), which would make nanoGPT look slow for
# a reason that has nothing to do with it. Then the kernels the CPU can run are asked for, as
# bench/TinyGpt.Bench/PyTorch.cs does, and the choice is printed.
if [[ -z "${OPENBLAS_CORETYPE:-}" ]] &&
   OPENBLAS_VERBOSE=2 OMP_NUM_THREADS=1 /usr/bin/python3 -c 'import torch; a = torch.randn(64, 64); a @ a' 2>&1 |
     grep -q 'Core: Prescott'; then
  if grep -m1 '^flags' /proc/cpuinfo | grep -qw avx512f; then export OPENBLAS_CORETYPE=SkylakeX
  elif grep -m1 '^flags' /proc/cpuinfo | grep -qw avx2; then export OPENBLAS_CORETYPE=Haswell
  fi
  if [[ -n "${OPENBLAS_CORETYPE:-}" ]]; then
    echo "PyTorch: OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE (OpenBLAS fell back to its generic Prescott kernels on this CPU)"
  fi
fi
true

// What the layers share with the first layer's kernels, built for the baseline: aligned storage
// (64-byte aligned rows keep each vector load within one cache line), the split granularity, a
// bias's gradient, and the mini-batch's gather. The vector kernels themselves are per level
// (vector_kernels.h, chosen by dispatch.h); at the generic level linear.h calls BLAS instead.
#pragma once
#include <algorithm>
#include <cstddef>
#include <new>
#include <type_traits>
#include <vector>

#include "dispatch.h"

namespace nnlab {

// Storage aligned to a cache line (and an AVX-512 vector): the engine's arenas and batch buffer.
template <typename T>
struct AlignedAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, size_t) { ::operator delete(p, kAlign); }
  template <typename U>
  bool operator==(const AlignedAllocator<U>&) const {
    return true;
  }
  template <typename U>
  bool operator!=(const AlignedAllocator<U>&) const {
    return false;
  }
};
template <typename T>
using AlignedVector = std::vector<T, AlignedAllocator<T>>;

// Elements per cache line: where a split of a row between threads may fall without two threads
// writing one line, and without a kernel's vectors straddling lines.
template <typename T>
constexpr int kLineElems = 64 / int(sizeof(T));

// sums[h] = Σ_i x[i][h] over B rows of H, in order i = 0, 1, … (a bias's gradient, Σ_b δ).
template <typename T>
void column_sums(T* sums, const T* x, int B, int H) {
  for (int h = 0; h < H; h++) sums[h] = T(0);
  for (int i = 0; i < B; i++)
    for (int h = 0; h < H; h++) sums[h] += x[long(i) * H + h];
}

}  // namespace nnlab

namespace nnlab {

// dst[i][c0:c1] = src[i][c0:c1] (converted to T) for rows i < n of dst (row length ld): the
// mini-batch's gather from random rows of the training split; float rows by the level's vector
// kernels where it has them (several rows side by side, vector_kernels.h), else row by row.
template <typename T>
void gather_rows(T* dst, long ld, const float* const* src, int n, long c0, long c1) {
  if constexpr (std::is_same<T, float>::value)
    if (const VectorKernels* k = vector_kernels()) return k->gather_rows_f(dst, ld, src, n, c0, c1);
  for (int i = 0; i < n; i++) std::copy(src[i] + c0, src[i] + c1, dst + i * ld + c0);
}

}  // namespace nnlab

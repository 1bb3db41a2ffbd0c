// The first layer on AMX tiles (Intel Advanced Matrix Extensions), for float32 training whose
// inputs are uint8 pixels through a per-dimension affine map x = a·p + c (the standardization or
// scaling of src/data/preprocess.ts). The products are then taken on the pixels themselves:
//   s[b][h]  = Σ_d (W[h][d]·a_d)·p[b][d] + Σ_d W[h][d]·c_d
//   dW[h][d] = a_d·Σ_b δ[b][h]·p[b][d] + c_d·Σ_b δ[b][h] + l2·W[h][d]
// A pixel (an integer ≤ 255) is exact in bfloat16, and each float32 factor (W·a, δ) is split into
// three bfloat16 parts whose sum is that float exactly (hi + mid + lo, 8 bits of mantissa each).
// Every product of a part and a pixel is then exact in float32, and AMX sums them in float32
// (TDPBF16PS): the result is a float32 product with float32 rounding, three tile products per
// product, each several times faster than AVX-512 FMAs. It rounds differently from the AVX-512
// kernels (another summation order), so a trial run this way gets other last bits; the trial
// records which kernel ran (TrainOutput::kernel).
//
// Layouts (bf16 = uint16_t bits; a "pair" is two bf16 in one dword, the K pairs AMX multiplies):
//   P  (Bt, Dp) bf16, row-major: the batch's pixels, the forward's A tiles.
//   Q  (Bk/2, Dq) dwords: rows of pixels two by two, pixel pairs along the batch: the weight
//      gradient's B tiles (K = the batch).
//   Wt per part and unit tile: [kb][16 pairs][nu units] dwords: (W·a)ᵀ, the forward's B tiles.
//   dT per part, unit tile, batch block: [nu units][32] bf16: δᵀ, the weight gradient's A tiles.
// Dp: D rounded up to 32 (a K block); Bk: B rounded up to 32; padding is zero.
//
// This header is the interface (FirstLayer); amx.cpp holds the kernels, compiled for AVX-512 and
// AMX, and dispatch.cpp decides whether this process may run them (the level "amx").
#pragma once
#include <cstdint>

namespace nnlab {
namespace amx {

// The first layer of one network on AMX: buffers sized for a batch of B rows of D pixels into H
// units, and the per-dimension map (a, c). Threads work on K blocks kb0 … kb1−1 (32 dimensions
// each): gather, packing and the forward product of a block stay on one thread, as do the weight
// gradient's columns of it.
class FirstLayer {
 public:
  virtual ~FirstLayer();  // dispatch.cpp (a file built for the baseline)
  // K blocks (32 dimensions each) of a row.
  virtual int blocks() const = 0;
  // Capacity for batches of up to B rows (training: also the weight gradient's buffers).
  virtual void reserve(int B, bool train) = 0;
  // Pixels of rows[0 … n−1] into P (and Q when train) for dimensions of blocks kb0 … kb1−1.
  virtual void gather(const uint8_t* const* rows, int n, int kb0, int kb1, bool train) = 0;
  // Packs W·a (W: H rows of D floats) into Wt for blocks kb0 … kb1−1, and this part's Σ_d W·c.
  virtual void pack(const float* W, int part, int kb0, int kb1) = 0;
  // out (n, H) = Σ over blocks kb0 … kb1−1 of P·(W·a)ᵀ, + this part's Σ_d W·c.
  virtual void forward(float* out, int n, int part, int kb0, int kb1) const = 0;
  // Splits δ (n, H) into dT; before the weight gradient.
  virtual void prepare_gradient(const float* dout, int n) = 0;
  // dW[:, d] = a_d·(δᵀP)[:, d] + c_d·colsum + l2·W[:, d] for the dimensions of blocks kb0 … kb1−1,
  // colsum (H) = Σ_b δ[b][h]. With eta ≥ 0, W[:, d] −= eta·dW[:, d] instead (plain SGD's update).
  virtual void weight_gradient(float* dW, float* W, float l2, const float* colsum, int kb0, int kb1,
                               float eta) const = 0;
};

// A FirstLayer on AMX tiles (amx.cpp; x86-64 builds only). Call only where dispatch.cpp chose
// the level "amx" (the CPU has the tiles and Linux granted them to this process).
FirstLayer* new_first_layer(int D, int H, int parts, const float* a, const float* c);

}  // namespace amx
}  // namespace nnlab

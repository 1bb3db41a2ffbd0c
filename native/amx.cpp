// The first layer on AMX tiles: the kernels of amx.h's FirstLayer (the method is described
// there). Compiled with AVX-512, AVX-512 BF16 and AMX flags (binding.gyp's nnlab_amx target); run
// only where dispatch.cpp chose the level "amx". Nothing from the standard library is
// instantiated here (own Buffer, own min): no inline function built with these flags can be
// picked by the linker for code that runs on the baseline.
#if defined(__x86_64__)
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <new>

#include "amx.h"
#include "simd_avx512.h"

// GCC 12 warns falsely on intrinsics that start from _mm*_undefined_* (split3's casts).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace nnlab {
namespace amx {
namespace {

inline int smaller(int a, int b) { return a < b ? a : b; }
inline long smaller(long a, long b) { return a < b ? a : b; }

// n values of T on a cache line's boundary, zero-filled or filled with a value by assign.
template <typename T>
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { release(); }
  void assign(size_t n, T value) {
    release();
    p_ = static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{64}));
    for (size_t k = 0; k < n; k++) p_[k] = value;
  }
  T* data() { return p_; }
  const T* data() const { return p_; }
  T& operator[](size_t k) { return p_[k]; }
  const T& operator[](size_t k) const { return p_[k]; }

 private:
  T* p_ = nullptr;
  void release() {
    if (p_) ::operator delete (p_, std::align_val_t{64});
    p_ = nullptr;
  }
};

struct alignas(64) TileConfig {
  uint8_t palette = 1, start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
  void set(int t, int r, int bytes) { rows[t] = uint8_t(r), colsb[t] = uint16_t(bytes); }
  void load() const { _tile_loadconfig(this); }
};

constexpr int kKB = 32;    // bf16 values in a K block (one 64-byte tile row)
constexpr int kChunk = 8;  // K blocks an accumulator sums before it is added to the running total

inline long round_up(long n, long m) { return (n + m - 1) / m * m; }

// Three bf16 parts of 32 floats (x0: values 0–15, x1: 16–31), each as 16 dwords of pairs.
inline void split3(__m512 x0, __m512 x1, __m512i out[3]) {
  for (int part = 0; part < 3; part++) {
    const __m512i h = (__m512i)_mm512_cvtne2ps_pbh(x1, x0);
    out[part] = h;
    if (part == 2) break;
    const __m512 h0 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_castsi512_si256(h)), 16));
    const __m512 h1 =
        _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_maskz_extracti64x4_epi64(0xF, h, 1)), 16));
    x0 = _mm512_sub_ps(x0, h0);
    x1 = _mm512_sub_ps(x1, h1);
  }
}

// r[j] ← dword i of r[i] at position j: a 16 × 16 transpose of dwords.
inline void transpose16(__m512i r[16]) {
  __m512i t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
    r[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
    r[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
    r[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
  }
  // r[i] now holds, in each 128-bit lane L, dwords of rows 4·(i/4)…+3 for columns 4L + (i%4)·… ;
  // two rounds of 128-bit lane shuffles finish the transpose.
  for (int i = 0; i < 4; i++) {
    t[i] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0xDD);
    t[i + 8] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0xDD);
  }
  for (int i = 0; i < 4; i++) {
    r[i] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0xDD);
    r[i + 4] = _mm512_shuffle_i32x4(t[i + 4], t[i + 12], 0x88);
    r[i + 12] = _mm512_shuffle_i32x4(t[i + 4], t[i + 12], 0xDD);
  }
}

// Pixels enter the products centred, as p − 128 (exact in bf16 too: integers in [−128, 127]):
// sums of W·a·(p − 128) stay near the size of the result, where sums of W·a·p, offset by the mean
// pixel, measured several times its rounding error. The shift c absorbs the 128 (FirstLayer).
constexpr int kCentre = 128;

// 32 pixels from p (masked past `valid`: those give 0) as 32 bf16 of p − 128.
inline __m512i pixels_bf16(const uint8_t* p, int valid) {
  const __mmask32 m = valid >= 32 ? __mmask32(0xFFFFFFFFu) : __mmask32((1u << valid) - 1);
  const __m256i bytes = _mm256_maskz_loadu_epi8(m, p);
  const __m512i centre = _mm512_set1_epi32(kCentre);
  const __mmask16 m0 = __mmask16(m), m1 = __mmask16(m >> 16);
  const __m512 lo =
      _mm512_cvtepi32_ps(_mm512_maskz_sub_epi32(m0, _mm512_cvtepu8_epi32(_mm256_castsi256_si128(bytes)), centre));
  const __m512 hi =
      _mm512_cvtepi32_ps(_mm512_maskz_sub_epi32(m1, _mm512_cvtepu8_epi32(_mm256_extracti128_si256(bytes, 1)), centre));
  return (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
}

// The first layer of one network on AMX: buffers sized for a batch of B rows of D pixels into H
// units, and the per-dimension map (a, c). Threads work on K blocks kb0 … kb1−1 (32 dimensions
// each): gather, packing and the forward product of a block stay on one thread, as do the weight
// gradient's columns of it.
class TileLayer final : public FirstLayer {
 public:
  TileLayer(int D, int H, int parts, const float* a, const float* c)
      : D_(D), H_(H), Dp_(int(round_up(D, kKB))), nkb_(Dp_ / kKB), nut_((H + 15) / 16), a_(a) {
    centred_shift_.assign(D, 0.f);
    for (int d = 0; d < D; d++) centred_shift_[d] = c[d] + float(kCentre) * a[d];
    c_ = centred_shift_.data();
    wt_.assign(size_t(3) * nut_ * nkb_ * 256, 0);
    kc_.assign(size_t(parts) * H, 0.f);
  }

  int blocks() const override { return nkb_; }

  // Capacity for batches of up to B rows (training: also the weight gradient's buffers).
  void reserve(int B, bool train) override {
    if (B > cap_p_) {
      cap_p_ = B;
      p_.assign(size_t(round_up(B, 16)) * Dp_, 0);
    }
    if (train && B > cap_q_) {
      cap_q_ = B;
      bk_ = int(round_up(B, kKB));
      q_.assign(size_t(bk_ / 2) * Dp_, 0);
      dt_.assign(size_t(3) * nut_ * (bk_ / kKB) * 16 * kKB, 0);
      dtf_.assign(size_t(H_) * bk_, 0.f);
    }
  }

  // Pixels of rows[0 … n−1] into P (and Q when train) for dimensions of blocks kb0 … kb1−1. Two
  // rows at a time along their length (rows of a training batch lie at random in memory: two
  // sequential streams the prefetcher follows, where 100 interleaved ones measured 3× slower).
  void gather(const uint8_t* const* rows, int n, int kb0, int kb1, bool train) override {
    static const __m512i lo_idx = pair_index(0), hi_idx = pair_index(16);
    for (int i = 0; i < n; i += 2) {
      for (int kb = kb0; kb < kb1; kb++) {
        const int d = kb * kKB, valid = smaller(kKB, D_ - d);
        if (i + 2 < n) _mm_prefetch(reinterpret_cast<const char*>(rows[i + 2] + d), _MM_HINT_T0);
        if (i + 3 < n) _mm_prefetch(reinterpret_cast<const char*>(rows[i + 3] + d), _MM_HINT_T0);
        const __m512i r0 = pixels_bf16(rows[i] + d, valid);
        _mm512_store_si512(&p_[size_t(i) * Dp_ + d], r0);
        const __m512i r1 = i + 1 < n ? pixels_bf16(rows[i + 1] + d, valid) : _mm512_setzero_si512();
        if (i + 1 < n) _mm512_store_si512(&p_[size_t(i + 1) * Dp_ + d], r1);
        if (train) {
          uint32_t* q = &q_[size_t(i / 2) * Dp_ + d];
          _mm512_store_si512(q, _mm512_permutex2var_epi16(r0, lo_idx, r1));
          _mm512_store_si512(q + 16, _mm512_permutex2var_epi16(r0, hi_idx, r1));
        }
      }
    }
  }

  // Packs W·a (W: H rows of D floats) into Wt for blocks kb0 … kb1−1, and this part's Σ_d W·c.
  void pack(const float* W, int part, int kb0, int kb1) override {
    float* kc = &kc_[size_t(part) * H_];
    for (int ut = 0; ut < nut_; ut++) {
      const int h0 = ut * 16, nu = smaller(16, H_ - h0);
      __m512 acc[16];
      for (int i = 0; i < nu; i++) acc[i] = _mm512_setzero_ps();
      for (int kb = kb0; kb < kb1; kb++) {
        const int d = kb * kKB, valid = smaller(kKB, D_ - d);
        const __mmask16 m0 = Avx512Float::first(valid), m1 = Avx512Float::first(valid > 16 ? valid - 16 : 0);
        const __m512 a0 = _mm512_maskz_loadu_ps(m0, a_ + d), a1 = _mm512_maskz_loadu_ps(m1, a_ + d + 16);
        const __m512 c0 = _mm512_maskz_loadu_ps(m0, c_ + d), c1 = _mm512_maskz_loadu_ps(m1, c_ + d + 16);
        __m512i rows[3][16];
        for (int i = 0; i < 16; i++) {
          if (i >= nu) {
            for (int part3 = 0; part3 < 3; part3++) rows[part3][i] = _mm512_setzero_si512();
            continue;
          }
          const float* w = W + long(h0 + i) * D_ + d;
          const __m512 w0 = _mm512_maskz_loadu_ps(m0, w), w1 = _mm512_maskz_loadu_ps(m1, w + 16);
          acc[i] = _mm512_fmadd_ps(w1, c1, _mm512_fmadd_ps(w0, c0, acc[i]));
          __m512i s[3];
          split3(_mm512_mul_ps(w0, a0), _mm512_mul_ps(w1, a1), s);
          for (int part3 = 0; part3 < 3; part3++) rows[part3][i] = s[part3];
        }
        const __mmask16 keep = Avx512Float::first(nu);
        for (int part3 = 0; part3 < 3; part3++) {
          uint32_t* t = wt_tile(part3, ut, kb);
          if (nu <= 2) {  // a narrow tile (H % 16 of 1 or 2): its 16 rows are 16 · nu dwords, interleaved
            if (nu == 1) {
              _mm512_store_si512(t, rows[part3][0]);
            } else {
              static const __m512i lo = interleave_index(0), hi = interleave_index(8);
              _mm512_store_si512(t, _mm512_permutex2var_epi32(rows[part3][0], lo, rows[part3][1]));
              _mm512_store_si512(t + 16, _mm512_permutex2var_epi32(rows[part3][0], hi, rows[part3][1]));
            }
            continue;
          }
          transpose16(rows[part3]);
          for (int r = 0; r < 16; r++) _mm512_mask_storeu_epi32(t + r * nu, keep, rows[part3][r]);
        }
      }
      for (int i = 0; i < nu; i++) kc[h0 + i] = Avx512Float::sum(acc[i]);
    }
  }

  // out (n, H) = Σ over blocks kb0 … kb1−1 of P·(W·a)ᵀ, + this part's Σ_d W·c: the part's share of
  // the pre-activation (the parts' shares are summed by the caller, in a fixed order). Tiles of 16
  // rows of the batch, four at a time against one tile of units, so that each of the three parts'
  // B tiles is loaded once for four products (P's rows past n are read and their sums dropped).
  void forward(float* out, int n, int part, int kb0, int kb1) const override {
    const float* kc = &kc_[size_t(part) * H_];
    alignas(64) float tmp[4][16 * 16], chunk[16 * 16];
    if (kb0 >= kb1)  // no blocks (a thread's share of a short row): the share is Σ_d W·c alone
      for (int r = 0; r < n; r++)
        for (int h = 0; h < H_; h++) out[long(r) * H_ + h] = kc[h];
    const int nbt = (n + 15) / 16;
    for (int ut = 0; ut < nut_; ut++) {
      const int nu = smaller(16, H_ - ut * 16);
      TileConfig cfg;
      for (int t = 0; t < 4; t++) cfg.set(t, 16, nu * 4);
      cfg.set(4, 16, 64);
      for (int t = 5; t < 8; t++) cfg.set(t, 16, nu * 4);
      cfg.load();
      for (int bt0 = 0; bt0 < nbt; bt0 += 4) {
        const int group = smaller(4, nbt - bt0);
        // An accumulator sums its inputs one after another: restarted every kChunk blocks and the
        // chunks summed in float32 vectors, its rounding error grows with √chunks, not √D.
        for (int c0 = kb0; c0 < kb1; c0 += kChunk) {
          for (int t = 0; t < group; t++) zero(t);
          for (int kb = c0; kb < smaller(kb1, c0 + kChunk); kb++) {
            _tile_loadd(5, wt_tile(0, ut, kb), nu * 4);
            _tile_loadd(6, wt_tile(1, ut, kb), nu * 4);
            _tile_loadd(7, wt_tile(2, ut, kb), nu * 4);
            for (int t = 0; t < group; t++) {
              _tile_loadd(4, &p_[size_t(bt0 + t) * 16 * Dp_ + kb * kKB], Dp_ * 2);
              dp(t, 4, 5);
              dp(t, 4, 6);
              dp(t, 4, 7);
            }
          }
          for (int t = 0; t < group; t++) {
            if (c0 == kb0) {
              store(t, tmp[t], 64);
              continue;
            }
            store(t, chunk, 64);
            for (int r = 0; r < 16; r++)
              _mm512_store_ps(&tmp[t][r * 16],
                              _mm512_add_ps(_mm512_load_ps(&tmp[t][r * 16]), _mm512_load_ps(&chunk[r * 16])));
          }
        }
        for (int t = 0; t < group; t++)
          for (int r = 0; r < 16 && (bt0 + t) * 16 + r < n; r++)
            for (int j = 0; j < nu; j++) {
              const int h = ut * 16 + j;
              out[long((bt0 + t) * 16 + r) * H_ + h] = tmp[t][r * 16 + j] + kc[h];
            }
      }
      _tile_release();
    }
  }

  // Splits δ (n, H) into dT and sums its columns (Σ_b δ[b][h]); before the weight gradient.
  void prepare_gradient(const float* dout, int n) override {
    const int nkk = bk_ / kKB;
    for (int h = 0; h < H_; h++)  // δᵀ, zero past n
      for (int i = 0; i < bk_; i++) dtf_[size_t(h) * bk_ + i] = i < n ? dout[long(i) * H_ + h] : 0.f;
    for (int ut = 0; ut < nut_; ut++) {
      const int h0 = ut * 16, nu = smaller(16, H_ - h0);
      for (int kk = 0; kk < nkk; kk++)
        for (int u = 0; u < nu; u++) {
          const float* v = &dtf_[size_t(h0 + u) * bk_ + kk * kKB];
          __m512i s[3];
          split3(_mm512_load_ps(v), _mm512_load_ps(v + 16), s);
          for (int part = 0; part < 3; part++) _mm512_store_si512(dt_tile(part, ut, kk) + u * kKB, s[part]);
        }
    }
  }

  // dW[:, d] = a_d·(δᵀP)[:, d] + c_d·Σ_b δ + l2·W[:, d] for the dimensions of blocks kb0 … kb1−1.
  // With eta ≥ 0, W[:, d] −= eta·dW[:, d] instead (plain SGD's update, the same floats as
  // Network::sgd_step's, written where dW is computed: W is then read once and written once).
  void weight_gradient(float* dW, float* W, float l2, const float* colsum, int kb0, int kb1, float eta) const override {
    const int nkk = bk_ / kKB;
    const int d0 = kb0 * kKB, d1 = smaller(D_, kb1 * kKB);
    alignas(64) float tmp[4][16 * 16];
    for (int ut = 0; ut < nut_; ut++) {
      const int h0 = ut * 16, nu = smaller(16, H_ - h0);
      TileConfig cfg;
      for (int t = 0; t < 4; t++) cfg.set(t, nu, 64);
      for (int t = 4; t < 7; t++) cfg.set(t, nu, 64);
      cfg.set(7, 16, 64);
      cfg.load();
      for (int dg = d0; dg < d1; dg += 64) {
        const int group = int(smaller(4, (d1 - dg + 15) / 16));
        for (int t = 0; t < group; t++) zero(t);
        for (int kk = 0; kk < nkk; kk++) {
          _tile_loadd(4, dt_tile(0, ut, kk), 64);
          _tile_loadd(5, dt_tile(1, ut, kk), 64);
          _tile_loadd(6, dt_tile(2, ut, kk), 64);
          for (int t = 0; t < group; t++) {
            _tile_loadd(7, &q_[size_t(kk) * 16 * Dp_ + dg + t * 16], Dp_ * 4);
            dp(t, 4, 7);
            dp(t, 5, 7);
            dp(t, 6, 7);
          }
        }
        for (int t = 0; t < group; t++) store(t, tmp[t], 64);
        const __m512 l = _mm512_set1_ps(l2);
        for (int t = 0; t < group; t++) {
          const int d = dg + t * 16;
          const __mmask16 m = Avx512Float::first(d1 - d);
          const __m512 a = _mm512_maskz_loadu_ps(m, a_ + d), c = _mm512_maskz_loadu_ps(m, c_ + d);
          for (int u = 0; u < nu; u++) {
            const long o = long(h0 + u) * D_ + d;
            __m512 g =
                _mm512_fmadd_ps(a, _mm512_load_ps(&tmp[t][u * 16]), _mm512_mul_ps(c, _mm512_set1_ps(colsum[h0 + u])));
            const __m512 w = _mm512_maskz_loadu_ps(m, W + o);
            if (l2 != 0.f) g = _mm512_fmadd_ps(l, w, g);
            if (eta >= 0.f)
              _mm512_mask_storeu_ps(W + o, m, _mm512_fnmadd_ps(_mm512_set1_ps(eta), g, w));
            else
              _mm512_mask_storeu_ps(dW + o, m, g);
          }
        }
      }
      _tile_release();
    }
  }

 private:
  int D_, H_, Dp_, nkb_, nut_;
  const float *a_, *c_;  // scale, and the shift for centred pixels: c + 128·a
  Buffer<float> centred_shift_;
  int cap_p_ = 0, cap_q_ = 0, bk_ = 0;
  Buffer<uint16_t> p_;   // P
  Buffer<uint32_t> q_;   // Q
  Buffer<uint32_t> wt_;  // Wt: 3 parts × unit tiles × K blocks × 16 × 16 dwords
  Buffer<uint16_t> dt_;  // dT: 3 parts × unit tiles × batch blocks × 16 × 32 bf16
  Buffer<float> dtf_;    // δᵀ (H, Bk) before the split
  Buffer<float> kc_;     // Σ_d W·c for each part's blocks

  uint32_t* wt_tile(int part, int ut, int kb) { return &wt_[((size_t(part) * nut_ + ut) * nkb_ + kb) * 256]; }
  const uint32_t* wt_tile(int part, int ut, int kb) const {
    return &wt_[((size_t(part) * nut_ + ut) * nkb_ + kb) * 256];
  }
  uint16_t* dt_tile(int part, int ut, int kk) {
    return &dt_[((size_t(part) * nut_ + ut) * (bk_ / kKB) + kk) * 16 * kKB];
  }
  const uint16_t* dt_tile(int part, int ut, int kk) const {
    return &dt_[((size_t(part) * nut_ + ut) * (bk_ / kKB) + kk) * 16 * kKB];
  }

  // Dword indices that interleave two rows: (a[k], b[k]) for k = from … from+7.
  static __m512i interleave_index(int from) {
    alignas(64) uint32_t idx[16];
    for (int k = 0; k < 8; k++) idx[2 * k] = uint32_t(from + k), idx[2 * k + 1] = uint32_t(16 + from + k);
    return _mm512_load_si512(idx);
  }
  // Word indices that interleave two rows: (a[k], b[k]) for k = from … from+15.
  static __m512i pair_index(int from) {
    alignas(64) uint16_t idx[32];
    for (int k = 0; k < 16; k++) idx[2 * k] = uint16_t(from + k), idx[2 * k + 1] = uint16_t(32 + from + k);
    return _mm512_load_si512(idx);
  }
  // Tile numbers must be immediates: a switch over the four accumulators.
  static void zero(int t) {
    switch (t) {
      case 0:
        _tile_zero(0);
        break;
      case 1:
        _tile_zero(1);
        break;
      case 2:
        _tile_zero(2);
        break;
      default:
        _tile_zero(3);
        break;
    }
  }
  static void store(int t, float* p, int stride) {
    switch (t) {
      case 0:
        _tile_stored(0, p, stride);
        break;
      case 1:
        _tile_stored(1, p, stride);
        break;
      case 2:
        _tile_stored(2, p, stride);
        break;
      default:
        _tile_stored(3, p, stride);
        break;
    }
  }
#define NNLAB_DP(C, A, B) _tile_dpbf16ps(C, A, B)
  static void dp(int c, int a, int b) {
    // (c, a, b): accumulator 0–3, A and B tiles 4–7 as the two kernels use them
    const int key = c * 100 + a * 10 + b;
    switch (key) {
      case 45:
        NNLAB_DP(0, 4, 5);
        break;
      case 46:
        NNLAB_DP(0, 4, 6);
        break;
      case 47:
        NNLAB_DP(0, 4, 7);
        break;
      case 57:
        NNLAB_DP(0, 5, 7);
        break;
      case 67:
        NNLAB_DP(0, 6, 7);
        break;
      case 145:
        NNLAB_DP(1, 4, 5);
        break;
      case 146:
        NNLAB_DP(1, 4, 6);
        break;
      case 147:
        NNLAB_DP(1, 4, 7);
        break;
      case 157:
        NNLAB_DP(1, 5, 7);
        break;
      case 167:
        NNLAB_DP(1, 6, 7);
        break;
      case 245:
        NNLAB_DP(2, 4, 5);
        break;
      case 246:
        NNLAB_DP(2, 4, 6);
        break;
      case 247:
        NNLAB_DP(2, 4, 7);
        break;
      case 257:
        NNLAB_DP(2, 5, 7);
        break;
      case 267:
        NNLAB_DP(2, 6, 7);
        break;
      case 345:
        NNLAB_DP(3, 4, 5);
        break;
      case 346:
        NNLAB_DP(3, 4, 6);
        break;
      case 347:
        NNLAB_DP(3, 4, 7);
        break;
      case 357:
        NNLAB_DP(3, 5, 7);
        break;
      default:
        NNLAB_DP(3, 6, 7);
        break;
    }
  }
#undef NNLAB_DP
};

}  // namespace

FirstLayer* new_first_layer(int D, int H, int parts, const float* a, const float* c) {
  return new TileLayer(D, H, parts, a, c);
}

}  // namespace amx
}  // namespace nnlab
#endif

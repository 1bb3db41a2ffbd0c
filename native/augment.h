// Training-time augmentation of a batch of 32×32×3 channel-planar images (CIFAR-10 layout: 1024
// red, then 1024 green, then 1024 blue values, each a row-major 32×32 plane), in place.
#pragma once
#include <algorithm>
#include <vector>
#include "engine.h"
#include "rng.h"

namespace nnlab {

constexpr int kSide = 32, kChannels = 3, kPlane = kSide * kSide, kImage = kPlane * kChannels;

// x (B, D): flip and translate need D = kImage (src/engine/index.ts refuses them otherwise);
// noise applies to rows of any length D. tmp needs kImage values.
template <typename T>
void augment_batch(T* x, int B, int D, const Augmentation& a, Rng& rng, std::vector<T>& tmp) {
  tmp.resize(kImage);
  for (int i = 0; i < B; i++) {
    T* img = x + (long)i * D;
    const bool flip = a.flip && rng.uniform() < 0.5;
    const int dx = a.translate ? int(rng.below(2 * a.translate + 1)) - a.translate : 0;
    const int dy = a.translate ? int(rng.below(2 * a.translate + 1)) - a.translate : 0;
    if (flip || dx || dy) {
      std::copy(img, img + kImage, tmp.begin());
      for (int c = 0; c < kChannels; c++)
        for (int r = 0; r < kSide; r++)
          for (int col = 0; col < kSide; col++) {
            // Output pixel (r, col) reads source (r − dy, col − dx) of the (possibly flipped) image.
            const int sr = r - dy, sc0 = col - dx;
            T v = 0;
            if (sr >= 0 && sr < kSide && sc0 >= 0 && sc0 < kSide) {
              const int sc = flip ? kSide - 1 - sc0 : sc0;
              v = tmp[c * kPlane + sr * kSide + sc];
            }
            img[c * kPlane + r * kSide + col] = v;
          }
    }
    if (a.noise > 0)
      for (int k = 0; k < D; k++) img[k] += T(a.noise * rng.normal());
  }
}

}  // namespace nnlab

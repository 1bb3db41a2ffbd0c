// The NNLB model file: a trained network's parameters and running BN statistics.
//
// All integers are little-endian uint32, all values little-endian IEEE 754 in the model's precision.
//   offset 0   "NNLB"                  magic
//          4   version                 1
//          8   precision               4 (float32) or 8 (float64)
//         12   flags                   bit 0: batch norm on hidden layers; bit 1: SVM loss
//         16   L                       number of layers
//         20   sizes[L+1]              D, H1 … Hk−1, C
//              bn_alpha                float64
//              tensors, layer by layer (l = 1 … L):
//                W_l (H_l × I_l, row-major); then b_l (H_l) on a layer without batch norm, or
//                gamma_l, beta_l, mean_l, var_l (H_l each) on a batch-normalized hidden layer.
// src/engine/model.ts reads the same layout in TypeScript (readModel).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "network.h"

namespace nnlab {

constexpr uint32_t kModelVersion = 1;

// The header as parsed; tensor data starts at data_offset.
struct ModelHeader {
  NetSpec spec;
  int precision = 4;
  size_t data_offset = 0;
};

template <typename T>
std::vector<uint8_t> save_model(const Network<T>& net);

// Fills header; returns "" or a description of what is wrong with the bytes.
std::string parse_model_header(const uint8_t* bytes, size_t size, ModelHeader& header);

template <typename T>
void load_model_tensors(Network<T>& net, const uint8_t* bytes, size_t offset);

// FNV-1a 64 of the bytes, as 16 hex digits: the run's fingerprint.
std::string fingerprint(const std::vector<uint8_t>& bytes);

}  // namespace nnlab

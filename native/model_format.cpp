// Writing and reading the NNLB model file (layout in model_format.h).
#include "model_format.h"

#include <cstring>

namespace nnlab {

namespace {
void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; i++) out.push_back(uint8_t(v >> (8 * i)));
}
uint32_t get_u32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
template <typename V>
void put_raw(std::vector<uint8_t>& out, const V* v, size_t n) {
  // x86-64 and aarch64 are little-endian, which the format requires.
  const uint8_t* p = reinterpret_cast<const uint8_t*>(v);
  out.insert(out.end(), p, p + n * sizeof(V));
}
}  // namespace

template <typename T>
std::vector<uint8_t> save_model(const Network<T>& net) {
  std::vector<uint8_t> out;
  out.insert(out.end(), {'N', 'N', 'L', 'B'});
  put_u32(out, kModelVersion);
  put_u32(out, sizeof(T));
  put_u32(out, (net.spec.batch_norm ? 1u : 0u) | (net.spec.loss == LossKind::Svm ? 2u : 0u));
  put_u32(out, uint32_t(net.depth()));
  for (int s : net.spec.sizes) put_u32(out, uint32_t(s));
  put_raw(out, &net.spec.bn_alpha, 1);
  for (const TensorInfo& t : net.tensors) put_raw(out, (t.stat ? net.stats : net.params).data() + t.offset, t.count);
  return out;
}

std::string parse_model_header(const uint8_t* bytes, size_t size, ModelHeader& header) {
  if (size < 20 || std::memcmp(bytes, "NNLB", 4) != 0) return "not an NNLB model (bad magic)";
  if (get_u32(bytes + 4) != kModelVersion) return "unsupported NNLB version " + std::to_string(get_u32(bytes + 4));
  header.precision = int(get_u32(bytes + 8));
  if (header.precision != 4 && header.precision != 8) return "bad precision " + std::to_string(header.precision);
  const uint32_t flags = get_u32(bytes + 12);
  const uint32_t L = get_u32(bytes + 16);
  if (L < 1 || L > 1000 || size < 20 + 4 * (L + 1) + 8) return "truncated header";
  header.spec = NetSpec();
  header.spec.batch_norm = flags & 1;
  header.spec.loss = (flags & 2) ? LossKind::Svm : LossKind::CrossEntropy;
  for (uint32_t i = 0; i <= L; i++) {
    const uint32_t s = get_u32(bytes + 20 + 4 * i);
    if (s == 0 || s > (1u << 24)) return "bad layer size " + std::to_string(s);
    header.spec.sizes.push_back(int(s));
  }
  size_t off = 20 + 4 * (L + 1);
  std::memcpy(&header.spec.bn_alpha, bytes + off, 8);
  header.data_offset = off + 8;
  std::vector<LayerInfo> layers;
  std::vector<TensorInfo> tensors;
  long np, ns;
  network_layout(header.spec, layers, tensors, np, ns);
  const size_t expected = header.data_offset + size_t(np + ns) * header.precision;
  if (size != expected)
    return "model is " + std::to_string(size) + " bytes; its header describes " + std::to_string(expected);
  return "";
}

template <typename T>
void load_model_tensors(Network<T>& net, const uint8_t* bytes, size_t offset) {
  for (const TensorInfo& t : net.tensors) {
    std::memcpy((t.stat ? net.stats : net.params).data() + t.offset, bytes + offset, t.count * sizeof(T));
    offset += t.count * sizeof(T);
  }
}

std::string fingerprint(const std::vector<uint8_t>& bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ull;
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
  return hex;
}

template std::vector<uint8_t> save_model<float>(const Network<float>&);
template std::vector<uint8_t> save_model<double>(const Network<double>&);
template void load_model_tensors<float>(Network<float>&, const uint8_t*, size_t);
template void load_model_tensors<double>(Network<double>&, const uint8_t*, size_t);

}  // namespace nnlab

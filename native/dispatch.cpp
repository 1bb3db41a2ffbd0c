// The choice of kernel level (dispatch.h): CPUID for the instructions, XGETBV for the register
// state the OS saves, arch_prctl(ARCH_REQ_XCOMP_PERM) for the AMX tile data, NNLAB_KERNELS and
// NNLAB_AMX for the user's word. Built for the baseline: it only reads, and calls a level's
// kernels only after deciding that the CPU runs them.
#include "dispatch.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "amx.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace nnlab {

amx::FirstLayer::~FirstLayer() = default;

#if !defined(__x86_64__)
// No AMX outside x86-64: network.h asks for a FirstLayer only at the level amx, never chosen here.
amx::FirstLayer* amx::new_first_layer(int, int, int, const float*, const float*) { return nullptr; }
#endif

const char* level_name(KernelLevel level) {
  switch (level) {
    case KernelLevel::Generic:
      return "generic";
    case KernelLevel::Avx2:
      return "avx2";
    case KernelLevel::Avx512:
      return "avx512";
    default:
      return "amx";
  }
}

namespace {

// What each level needs beyond the one before it, by /proc/cpuinfo's names; empty when all is there.
struct Needs {
  std::string lacks[kKernelLevels];
};

#if defined(__x86_64__)
struct Cpuid {
  unsigned a = 0, b = 0, c = 0, d = 0;
};
Cpuid cpuid(unsigned leaf, unsigned sub) {
  Cpuid r;
  if (!__get_cpuid_count(leaf, sub, &r.a, &r.b, &r.c, &r.d)) r = Cpuid{};
  return r;
}
// XCR0: the register state the OS saves and restores (xmm bit 1, ymm 2, opmask 5, zmm 6 and 7,
// tile config 17, tile data 18). Read only where CPUID says the OS enabled XGETBV (OSXSAVE).
uint64_t xcr0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t(hi) << 32) | lo;
}

Needs detect() {
  Needs n;
  const Cpuid l1 = cpuid(1, 0), l7 = cpuid(7, 0), l71 = cpuid(7, 1);
  const bool osxsave = l1.c >> 27 & 1;
  const uint64_t x = osxsave ? xcr0() : 0;
  auto need = [](std::string& lacks, bool has, const char* name) {
    if (!has) lacks += (lacks.empty() ? "" : " ") + std::string(name);
  };
  std::string& v2 = n.lacks[1];
  need(v2, l1.c >> 28 & 1, "avx");
  need(v2, l7.b >> 5 & 1, "avx2");
  need(v2, l1.c >> 12 & 1, "fma");
  if (v2.empty() && (x & 0x6) != 0x6) v2 = "the OS's saving of the ymm registers (XCR0)";
  std::string& v3 = n.lacks[2];
  need(v3, l7.b >> 16 & 1, "avx512f");
  need(v3, l7.b >> 30 & 1, "avx512bw");
  need(v3, l7.b >> 17 & 1, "avx512dq");
  need(v3, l7.b >> 31 & 1, "avx512vl");
  if (v3.empty() && (x & 0xE0) != 0xE0) v3 = "the OS's saving of the zmm and mask registers (XCR0)";
  std::string& v4 = n.lacks[3];
  need(v4, l7.d >> 24 & 1, "amx_tile");
  need(v4, l7.d >> 22 & 1, "amx_bf16");
  need(v4, l71.a >> 5 & 1, "avx512_bf16");
  if (v4.empty() && (x & 0x60000) != 0x60000) v4 = "the OS's saving of the tile registers (XCR0)";
  if (v4.empty()) {
    // Linux (5.16 and later) hands out the tile data state only on request.
    constexpr long kReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
    if (syscall(SYS_arch_prctl, kReqXcompPerm, kXfeatureXtiledata) != 0)
      v4 = "Linux's grant of the AMX tile state to this process (arch_prctl ARCH_REQ_XCOMP_PERM, Linux 5.16 or later)";
  }
  return n;
}
#else
Needs detect() {
  Needs n;
  n.lacks[1] = n.lacks[2] = n.lacks[3] = "x86-64 (this is another architecture)";
  return n;
}
#endif

KernelChoice choose() {
  KernelChoice k;
  const Needs needs = detect();
  bool ok = true;
  for (int l = 0; l < kKernelLevels; l++) {
    ok = ok && needs.lacks[l].empty();
    LevelSupport s{KernelLevel(l), ok, ""};
    if (!ok)  // what the CPU lacks for this level and those below it
      for (int m = 0; m <= l; m++)
        if (!needs.lacks[m].empty()) s.lacks += (s.lacks.empty() ? "" : ", ") + needs.lacks[m];
    k.levels.push_back(s);
    if (ok) k.best = KernelLevel(l);
  }
  const char* amx_env = std::getenv("NNLAB_AMX");
  k.amx_off = amx_env && (std::strcmp(amx_env, "off") == 0 || std::strcmp(amx_env, "0") == 0);
  const char* forced = std::getenv("NNLAB_KERNELS");
  k.forced = forced ? forced : "";
  const std::string fix_unset = "unset it to use the best this CPU supports";
  KernelLevel want = k.best;
  if (!k.forced.empty()) {
    int found = -1;
    for (int l = 0; l < kKernelLevels; l++)
      if (k.forced == level_name(KernelLevel(l))) found = l;
    if (found < 0) {
      k.refusal = "NNLAB_KERNELS=" + k.forced +
                  " is not a kernel level. Fix: set one of generic, avx2, avx512, amx, or " + fix_unset;
      return k;
    }
    want = KernelLevel(found);
    const LevelSupport& s = k.levels[found];
    if (!s.supported) {
      k.refusal = "NNLAB_KERNELS=" + k.forced + ": this CPU lacks " + s.lacks + ", so the " + k.forced +
                  " kernels cannot run here. Fix: set NNLAB_KERNELS=" + level_name(k.best) +
                  " (the best it supports) or " + fix_unset;
      return k;
    }
    if (want == KernelLevel::Amx && k.amx_off) {
      k.refusal = "NNLAB_KERNELS=amx contradicts NNLAB_AMX=" + std::string(amx_env) + ". Fix: unset one of them";
      return k;
    }
  } else if (k.amx_off && want == KernelLevel::Amx) {
    want = KernelLevel::Avx512;  // NNLAB_AMX=off: everything but the tiles
  }
  k.level = want;
#if defined(__x86_64__)
  if (want >= KernelLevel::Avx512)
    k.vector = avx512_kernels();
  else if (want == KernelLevel::Avx2)
    k.vector = avx2_kernels();
#endif
  k.amx = want == KernelLevel::Amx;
  return k;
}

}  // namespace

const KernelChoice& kernel_choice() {
  static const KernelChoice k = choose();
  return k;
}

}  // namespace nnlab

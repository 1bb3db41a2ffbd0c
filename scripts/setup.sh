#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks for nnlab, then the npm dependencies
# (which build the native addon). Safe to run again: apt and npm skip what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages:
#   build-essential, python3, pkg-config   node-gyp's toolchain
#   libopenblas-dev                        the BLAS the training engine links (native/)
#   chromium, fonts-dejavu-core            headless browser that prints reports to PDF
#   poppler-utils                          pdftotext/pdftoppm, used by the report tests
#   texlive-latex-base/-recommended        pdflatex and booktabs, to compile report.tex (nnlab report --format tex)
#   dataset-fashion-mnist                  offline data for experiments/quickstart.yaml
#   slurmctld slurmd slurm-client munge    a single-node Slurm the --executor slurm tests start
#   zsh                                    the shell test/cli/completion.test.ts loads nnlab's zsh completion in
#   clang-format                           formats native/ (npm run lint checks it, npm run format applies it)
#   python3-scipy                          scipy.stats, the reference test/stats/ checks the t-tests against
#   qemu-user                              runs the engine as other CPUs (test/engine/qemu.test.ts, arm64.test.ts)
#   g++-aarch64-linux-gnu                  cross-compiles the engine's arm64 test driver (test/engine/arm64.test.ts)
packages=(build-essential python3 pkg-config libopenblas-dev chromium fonts-dejavu-core poppler-utils dataset-fashion-mnist slurmctld slurmd slurm-client munge zsh clang-format python3-scipy qemu-user texlive-latex-base texlive-latex-recommended)
# The cross compiler exists only on x86-64 hosts (Debian names it for the build machine).
if [ "$(uname -m)" = x86_64 ]; then packages+=(g++-aarch64-linux-gnu); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: system packages present"
fi

# npm dependencies; the root binding.gyp makes this build the addon (node-gyp rebuild).
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
echo "setup: done"

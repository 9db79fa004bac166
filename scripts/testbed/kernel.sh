#!/bin/bash
# Builds (or finds in the cache) the guest kernel: tinyconfig + guest-kernel.config, everything built in.
# Prints the cached bzImage path on stdout; progress goes to stderr.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
report_unexpected_failures

command -v gcc >/dev/null && command -v make >/dev/null && command -v flex >/dev/null && command -v bison >/dev/null \
  || die "kernel build tools missing (gcc make flex bison); run: bash scripts/testbed/setup.sh"

key="$(kernel_cache_key)"
out_dir="$QUR_CACHE_DIR/kernel/$key"
if [ -s "$out_dir/bzImage" ]; then
  log "guest kernel cached: $out_dir/bzImage"
  echo "$out_dir/bzImage"
  exit 0
fi

tarball="$(linux_source_tarball)"
build_root="$QUR_CACHE_DIR/build/kernel-$key"
rm -rf "$build_root"
mkdir -p "$build_root/out"
start=$(now_ms)
log "extracting $tarball (about 10 s)"
tar -C "$build_root" -xf "$tarball" || die "extracting $tarball into $build_root failed (disk space?)"
src="$(find "$build_root" -mindepth 1 -maxdepth 1 -type d -name 'linux-source-*' | head -1)"
[ -n "$src" ] || die "extracting $tarball gave no linux-source-* directory"

b="$build_root/out"
build_log="$build_root/build.log"
log "configuring: tinyconfig + $TESTBED_DIR/guest-kernel.config"
{
  make -C "$src" O="$b" tinyconfig
  "$src/scripts/kconfig/merge_config.sh" -m -O "$b" "$b/.config" "$TESTBED_DIR/guest-kernel.config"
  make -C "$src" O="$b" olddefconfig
} >"$build_log" 2>&1 || die "kernel configuration failed; see $build_log"

# A symbol whose dependencies are unmet is silently dropped by olddefconfig; catch that before 5 minutes of compiling.
missing=""
while IFS= read -r line; do
  case "$line" in
    CONFIG_*=*) grep -qxF "$line" "$b/.config" || missing="$missing ${line}" ;;
    "# CONFIG_"*" is not set") grep -qxF "$line" "$b/.config" || missing="$missing [${line}]" ;;
  esac
done <"$TESTBED_DIR/guest-kernel.config"
[ -z "$missing" ] || die "guest kernel config lost these settings (unmet dependencies?):$missing"

jobs="$(nproc)"
log "building bzImage with make -j$jobs (5-8 minutes on 2 cores); log: $build_log"
make -C "$src" O="$b" -j"$jobs" bzImage >>"$build_log" 2>&1 \
  || { tail -n 30 "$build_log" >&2; die "kernel build failed; see $build_log"; }

tmp_out="$out_dir.tmp.$$"
rm -rf "$tmp_out"; mkdir -p "$tmp_out"
cp "$b/arch/x86/boot/bzImage" "$tmp_out/bzImage"
cp "$b/.config" "$tmp_out/config"
cp "$TESTBED_DIR/guest-kernel.config" "$tmp_out/fragment.config"
mv -T "$tmp_out" "$out_dir"
elapsed=$(( $(now_ms) - start ))
echo "$elapsed" >"$out_dir/build-ms"
log "guest kernel built in $(fmt_ms "$elapsed"): $out_dir/bzImage ($(stat -c %s "$out_dir/bzImage") bytes)"
if [ "${QUR_KEEP_KERNEL_BUILD:-0}" != 1 ]; then
  rm -rf "$build_root"
fi
echo "$out_dir/bzImage"

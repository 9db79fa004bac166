#!/bin/sh
# Builds QEMU from a release tarball and installs it under a prefix. Shipped by qemu-utils-remote and run on
# the node by the `Build Qemu` keyword (CSIT's resources/libraries/bash/qemu_build.sh, same options).
#
#   qemu_build.sh [--version=qemu-2.11.2] [--directory=/opt/qemu-2.11.2] [--target-list=x86_64-softmmu]
#                 [--force] [--patch] [--patch-dir=DIR] [--dry-run]
#
# --force      remove an existing install directory first (otherwise an existing one means "done").
# --patch      apply every *.patch of --patch-dir (default: <this script's dir>/qemu_patches/<version>)
#              to the sources before configuring; fails when there is none.
# --dry-run    print the steps instead of running them.
# Differences from CSIT's script: `--target-list=...` is honoured (CSIT's case label lacked `=*`, so it
# was ignored), and `--patch` without patches fails instead of silently building unpatched.
set -eu

version=qemu-2.11.2
directory=/opt/qemu-2.11.2
target_list=x86_64-softmmu
force=false
patch=false
patch_dir=
dry_run=false

die() {
    echo "qemu_build.sh: $*" >&2
    exit 1
}

for arg in "$@"; do
    case "$arg" in
        --version=*) version=${arg#*=} ;;
        --directory=*) directory=${arg#*=} ;;
        --target-list=*) target_list=${arg#*=} ;;
        --patch-dir=*) patch_dir=${arg#*=} ;;
        --force) force=true ;;
        --patch) patch=true ;;
        --dry-run) dry_run=true ;;
        *) die "unknown option '$arg' (see the header of this script)" ;;
    esac
done

case "$version" in
    qemu-[0-9]*) ;;
    *) die "--version must look like qemu-2.11.2, got '$version'" ;;
esac
case "$directory" in
    /?*) ;;
    *) die "--directory must be an absolute path, got '$directory'" ;;
esac
[ -n "$target_list" ] || die "--target-list must not be empty"
if [ "$patch" = true ]; then
    [ -n "$patch_dir" ] || patch_dir="$(cd "$(dirname "$0")" && pwd)/qemu_patches/$version"
    ls "$patch_dir"/*.patch >/dev/null 2>&1 || die "--patch given but there are no *.patch files in $patch_dir"
fi

run() {
    if [ "$dry_run" = true ]; then
        echo "+ $*"
    else
        "$@"
    fi
}

if [ -e "$directory" ]; then
    if [ "$force" = true ]; then
        run rm -rf -- "$directory"
    else
        echo "qemu_build.sh: $directory exists, nothing to do (use --force to rebuild)"
        exit 0
    fi
fi

tarball=/opt/$version.tar.xz
url=https://download.qemu.org/$version.tar.xz
# Downloaded under a temporary name and moved into place only when complete: a failed or interrupted
# download must not leave an empty or truncated tarball that the next run would take as downloaded.
if [ ! -s "$tarball" ]; then
    partial="$tarball.part.$$"
    trap 'rm -f -- "$partial"' EXIT
    trap 'exit 1' HUP INT TERM
    if command -v wget >/dev/null 2>&1; then
        run wget -nv -O "$partial" "$url" || die "download of $url failed (wget exit $?; check the node's network access and https_proxy)"
    elif command -v curl >/dev/null 2>&1; then
        run curl -fsSL -o "$partial" "$url" || die "download of $url failed (curl exit $?; check the node's network access and https_proxy)"
    else
        die "neither wget nor curl is installed to download $url"
    fi
    run mv -f -- "$partial" "$tarball"
    trap - EXIT HUP INT TERM
fi

work=$(mktemp -d)
if [ "$dry_run" = true ]; then
    trap 'rm -rf -- "$work"' EXIT
fi
run tar -xJf "$tarball" -C "$work" --strip-components=1
if [ "$patch" = true ]; then
    for file in "$patch_dir"/*.patch; do
        run patch -d "$work" -p1 -i "$file"
    done
fi
if [ "$dry_run" = true ]; then
    echo "+ cd $work && ./configure --target-list=$target_list --prefix=$directory && make -j$(nproc) && make install"
    exit 0
fi
cd "$work"
./configure --target-list="$target_list" --prefix="$directory" || die "configure failed"
make -j"$(nproc)" || die "make failed"
make install || die "make install failed"
cd /
rm -rf -- "$work"
echo "qemu_build.sh: installed $version in $directory"

# nnclr's memory allocator for libtorch, sourced by ./nnclr, the published launcher (scripts/published-nnclr.sh),
# scripts/test.sh and bench/cpu/run.sh (and by tests on a faked machine).
#
# Why: glibc malloc serves every block over its mmap threshold with a fresh mmap and returns it with munmap on free,
# so each training step, evaluation batch and embedding batch page-faults and zeroes libtorch's large tensors
# again: a third or more of a CPU run goes to the kernel. tcmalloc (Debian's libtcmalloc-minimal4) keeps freed
# memory for reuse: bench/cpu/run.sh measures both, glibc tuned with MALLOC_MMAP_MAX_=0 too, in one invocation
# (README, "Measured performance"; bench/results/*-cpu-allocator.json).
#
# nnclr_choose_allocator sets and exports:
#   NNCLR_ALLOCATOR_ACTIVE  tcmalloc | glibc-tuned | glibc   (what the process will run with)
#   NNCLR_ALLOCATOR_REASON  one line: why (`nnclr doctor` prints it beside what /proc/self/maps shows)
#   LD_PRELOAD              for tcmalloc: the user's own LD_PRELOAD with libtcmalloc_minimal.so.4 appended
#   MALLOC_MMAP_MAX_, MALLOC_TRIM_THRESHOLD_  for glibc-tuned, each only where the user has not set it
# and returns 2 (reason in NNCLR_ALLOCATOR_REASON) for an unusable NNCLR_ALLOCATOR.
# Decision: NNCLR_ALLOCATOR=tcmalloc|glibc-tuned|glibc wins; a tcmalloc already in LD_PRELOAD is kept;
# else tcmalloc when installed; else glibc-tuned (glibc never unmaps: slower than tcmalloc, far faster than plain glibc).
# Test hook: NNCLR_TCMALLOC_LIB (the library's path; empty: as if not installed).

# Prints the path of libtcmalloc_minimal.so.4, or fails when it is not installed.
nnclr_tcmalloc_lib() {
  local p
  if [ -n "${NNCLR_TCMALLOC_LIB+set}" ]; then
    [ -n "$NNCLR_TCMALLOC_LIB" ] && [ -f "$NNCLR_TCMALLOC_LIB" ] && printf '%s' "$NNCLR_TCMALLOC_LIB"
    return
  fi
  for p in /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 /usr/lib/aarch64-linux-gnu/libtcmalloc_minimal.so.4 \
           /usr/lib64/libtcmalloc_minimal.so.4 /usr/lib/libtcmalloc_minimal.so.4; do
    if [ -f "$p" ]; then printf '%s' "$p"; return 0; fi
  done
  return 1
}

# libtorch 2.10's oneDNN gives wrong float convolutions with its AVX-512 kernels on AMD Zen 4 (AMD EPYC with
# avx512f): ConvOpTests' stride-2 Conv2d forward against double loops read garbage there, differently each run, and
# passed with oneDNN limited to AVX2 (2026-12-04). On AMD CPUs with AVX-512, oneDNN is therefore capped at AVX2 unless
# the user set ONEDNN_MAX_CPU_ISA or DNNL_MAX_CPU_ISA; NNCLR_ONEDNN_ISA_REASON says why (`nnclr doctor` environment).
nnclr_onednn_isa_guard() {
  [ -n "${ONEDNN_MAX_CPU_ISA:-}${DNNL_MAX_CPU_ISA:-}" ] && return 0
  local cpuinfo=${NNCLR_CPUINFO:-/proc/cpuinfo}
  grep -qm1 'AuthenticAMD' "$cpuinfo" 2>/dev/null || return 0
  grep -m1 '^flags' "$cpuinfo" 2>/dev/null | grep -qw avx512f || return 0
  export ONEDNN_MAX_CPU_ISA=AVX2
  export NNCLR_ONEDNN_ISA_REASON="AMD CPU with AVX-512: oneDNN capped at AVX2 (its AVX-512 convolutions were wrong on AMD EPYC)"
}

nnclr_choose_allocator() {
  nnclr_onednn_isa_guard
  NNCLR_ALLOCATOR_ACTIVE=; NNCLR_ALLOCATOR_REASON=
  local lib choice=${NNCLR_ALLOCATOR:-}
  lib=$(nnclr_tcmalloc_lib) || lib=
  case "$choice" in
    ""|tcmalloc|glibc|glibc-tuned) ;;
    *) NNCLR_ALLOCATOR_REASON="NNCLR_ALLOCATOR must be tcmalloc, glibc-tuned or glibc (got '$choice')"; return 2 ;;
  esac
  case " ${LD_PRELOAD:-} " in
    *tcmalloc*)
      if [ "$choice" = "" ] || [ "$choice" = tcmalloc ]; then
        NNCLR_ALLOCATOR_ACTIVE=tcmalloc; NNCLR_ALLOCATOR_REASON="LD_PRELOAD already has tcmalloc ($LD_PRELOAD)"
        export NNCLR_ALLOCATOR_ACTIVE NNCLR_ALLOCATOR_REASON
        return 0
      fi ;;
  esac
  if [ "$choice" = tcmalloc ] && [ -z "$lib" ]; then
    NNCLR_ALLOCATOR_REASON="NNCLR_ALLOCATOR=tcmalloc but libtcmalloc_minimal.so.4 is not installed (apt-get install libtcmalloc-minimal4)"
    return 2
  fi
  if [ "$choice" = tcmalloc ] || { [ -z "$choice" ] && [ -n "$lib" ]; }; then
    NNCLR_ALLOCATOR_ACTIVE=tcmalloc
    if [ -n "$choice" ]; then NNCLR_ALLOCATOR_REASON="NNCLR_ALLOCATOR=tcmalloc ($lib)"
    else NNCLR_ALLOCATOR_REASON="tcmalloc installed ($lib): keeps freed memory for reuse, where glibc malloc unmaps libtorch's large tensors and faults them in again"; fi
    export LD_PRELOAD="${LD_PRELOAD:+$LD_PRELOAD:}$lib"
    # tcmalloc reports every allocation over 1 GiB on stderr; a large evaluation or support set is not news.
    export TCMALLOC_LARGE_ALLOC_REPORT_THRESHOLD=${TCMALLOC_LARGE_ALLOC_REPORT_THRESHOLD:-1099511627776}
    export NNCLR_ALLOCATOR_ACTIVE NNCLR_ALLOCATOR_REASON
    return 0
  fi
  # glibc, plain or tuned: a tcmalloc in LD_PRELOAD (an outer launcher's) would override the choice, so it goes.
  if [ -n "${LD_PRELOAD:-}" ]; then
    local kept= entry
    for entry in ${LD_PRELOAD//:/ }; do
      case "$entry" in *tcmalloc*) ;; *) kept="${kept:+$kept:}$entry" ;; esac
    done
    if [ -n "$kept" ]; then export LD_PRELOAD="$kept"; else unset LD_PRELOAD; fi
  fi
  if [ "$choice" = glibc ]; then
    NNCLR_ALLOCATOR_ACTIVE=glibc; NNCLR_ALLOCATOR_REASON="NNCLR_ALLOCATOR=glibc (glibc malloc as configured by the environment)"
  else
    NNCLR_ALLOCATOR_ACTIVE=glibc-tuned
    if [ -n "$choice" ]; then NNCLR_ALLOCATOR_REASON="NNCLR_ALLOCATOR=glibc-tuned"
    else NNCLR_ALLOCATOR_REASON="libtcmalloc_minimal.so.4 not installed (apt-get install libtcmalloc-minimal4 is faster): glibc malloc without mmap, so freed tensors are reused"; fi
    NNCLR_ALLOCATOR_REASON="$NNCLR_ALLOCATOR_REASON; MALLOC_MMAP_MAX_=${MALLOC_MMAP_MAX_:-0} MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD_:-1073741824}"
    export MALLOC_MMAP_MAX_=${MALLOC_MMAP_MAX_:-0}
    export MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD_:-1073741824}
  fi
  export NNCLR_ALLOCATOR_ACTIVE NNCLR_ALLOCATOR_REASON
  return 0
}

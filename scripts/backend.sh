# nnclr torch-backend choice, sourced by ./nnclr and scripts/setup.sh (and by tests with a faked machine).
# nnclr_choose_backend sets:
#   NNCLR_BACKEND         cpu | cuda | external
#   NNCLR_BACKEND_REASON  one line: why
#   NNCLR_TORCH_LIB       for external: PyTorch's torch/lib folder (goes on LD_LIBRARY_PATH)
# and returns 2 (reason in NNCLR_BACKEND_REASON) for an unusable NNCLR_TORCH_BACKEND.
# The machine: a GPU is `nvidia-smi` on PATH or the device file ($NNCLR_NVIDIA_DEVICE, default /dev/nvidia0);
# PyTorch is `${NNCLR_PYTHON:-python3} -c "import torch"` with a CUDA build (torch.version.cuda set).
# Decision: NNCLR_TORCH_BACKEND wins; else no GPU -> cpu; GPU + CUDA PyTorch -> external; GPU -> cuda.
# Python is asked only when a GPU is seen, so the CPU machine's path costs two file tests.

nnclr_gpu_evidence() {
  local smi dev=${NNCLR_NVIDIA_DEVICE:-/dev/nvidia0}
  smi=$(command -v nvidia-smi 2>/dev/null || true)
  if [ -n "$smi" ]; then printf 'nvidia-smi at %s' "$smi"; return 0; fi
  if [ -e "$dev" ]; then printf '%s' "$dev"; return 0; fi
  return 1
}

# Prints "LIBDIR CUDAVERSION" for an importable PyTorch ("None" as the version for a CPU-only one); fails without.
nnclr_pytorch() {
  "${NNCLR_PYTHON:-python3}" -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"lib"), torch.version.cuda)' 2>/dev/null
}

nnclr_choose_backend() {
  NNCLR_BACKEND=; NNCLR_BACKEND_REASON=; NNCLR_TORCH_LIB=
  local gpu py lib cuda
  gpu=$(nnclr_gpu_evidence) || gpu=
  case "${NNCLR_TORCH_BACKEND:-}" in
    "") ;;
    cpu|cuda)
      NNCLR_BACKEND=$NNCLR_TORCH_BACKEND
      NNCLR_BACKEND_REASON="NNCLR_TORCH_BACKEND=$NNCLR_TORCH_BACKEND"
      return 0 ;;
    external)
      py=$(nnclr_pytorch) || py=
      lib=${py% *}
      if [ -z "$py" ] || [ ! -d "$lib" ]; then
        NNCLR_BACKEND_REASON="NNCLR_TORCH_BACKEND=external needs a PyTorch that '${NNCLR_PYTHON:-python3} -c \"import torch\"' finds (its torch/lib is the libtorch); install one or set NNCLR_PYTHON to its python"
        return 2
      fi
      NNCLR_BACKEND=external; NNCLR_TORCH_LIB=$lib
      NNCLR_BACKEND_REASON="NNCLR_TORCH_BACKEND=external (PyTorch's libtorch at $lib)"
      return 0 ;;
    *)
      NNCLR_BACKEND_REASON="NNCLR_TORCH_BACKEND must be cpu, cuda or external (got '$NNCLR_TORCH_BACKEND')"
      return 2 ;;
  esac
  if [ -z "$gpu" ]; then
    NNCLR_BACKEND=cpu
    NNCLR_BACKEND_REASON="no NVIDIA GPU (no nvidia-smi on PATH, no ${NNCLR_NVIDIA_DEVICE:-/dev/nvidia0})"
    return 0
  fi
  py=$(nnclr_pytorch) || py=
  lib=${py% *}; cuda=${py##* }
  if [ -n "$py" ] && [ -d "$lib" ] && [ "$cuda" != "None" ]; then
    NNCLR_BACKEND=external; NNCLR_TORCH_LIB=$lib
    NNCLR_BACKEND_REASON="GPU found ($gpu) and PyTorch with CUDA $cuda is importable: using its libtorch at $lib"
    return 0
  fi
  NNCLR_BACKEND=cuda
  if [ -z "$py" ]; then
    NNCLR_BACKEND_REASON="GPU found ($gpu) and no importable PyTorch: using the libtorch-cuda-12.8 NuGet package"
  else
    NNCLR_BACKEND_REASON="GPU found ($gpu) but the importable PyTorch is CPU-only: using the libtorch-cuda-12.8 NuGet package"
  fi
  return 0
}

# Where ./nnclr builds a backend (Directory.Build.props keeps non-default backends under obj/BACKEND/).
nnclr_backend_outdir() {
  local root=$1 backend=$2
  if [ "$backend" = cpu ]; then printf '%s/Nnclr.Host/bin/Release/net10.0' "$root"
  else printf '%s/obj/%s/Nnclr.Host/bin/Release/net10.0' "$root" "$backend"; fi
}

# Prints "[nnclr] torch backend: B (reason)" to stderr once: when B differs from the one recorded in FILE.
nnclr_announce_backend() {
  local file=$1 prev=
  [ -f "$file" ] && read -r prev < "$file" || true
  if [ "$prev" != "$NNCLR_BACKEND" ]; then
    echo "[nnclr] torch backend: $NNCLR_BACKEND ($NNCLR_BACKEND_REASON)" >&2
    [ -d "${file%/*}" ] || mkdir -p "${file%/*}"
    printf '%s\n' "$NNCLR_BACKEND" > "$file"
  fi
}

# nnclr CUDA image. Docker cannot run on the development machines, so this file is kept correct by
# reading (see README, "Docker"). Build:
#   docker build --build-arg NNCLR_COMMIT=$(git rev-parse HEAD) -t nnclr .
# Run a training daemon (README, "Docker", says why each flag):
#   docker run -d --gpus all --init --stop-timeout 150 --user "$(id -u):$(id -g)" \
#     -v $PWD/work:/work -e NNCLR_Run__RunDir=/work/runs/r1 -p 9464:9464 -e NNCLR_Telemetry__PrometheusPort=9464 \
#     nnclr train --preset cifar10-resnet18 --data /work/cifar10 --resume
#
# Stage 1: publish self-contained with TorchSharp + libtorch 2.10.0 for CUDA 12.8 (from nuget.org).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore in a layer of its own, from the project files only: a source change does not download the GBs of
# libtorch-cuda again, only a change of a project file or of a package version does.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY Nnclr.Data/Nnclr.Data.csproj Nnclr.Data/
COPY Nnclr.Model/Nnclr.Model.csproj Nnclr.Model/
COPY Nnclr.Pipeline/Nnclr.Pipeline.csproj Nnclr.Pipeline/
COPY Nnclr.Host/Nnclr.Host.csproj Nnclr.Host/
RUN dotnet restore Nnclr.Host/Nnclr.Host.csproj -r linux-x64 -p:SelfContained=true -p:TorchBackend=cuda
COPY . .
# .git is not in the build context (.dockerignore): the commit comes in as a build argument for summary.json.
ARG NNCLR_COMMIT=""
RUN dotnet publish Nnclr.Host/Nnclr.Host.csproj -c Release -r linux-x64 --self-contained --no-restore \
      -p:TorchBackend=cuda ${NNCLR_COMMIT:+-p:SourceRevisionId=$NNCLR_COMMIT} -o /app \
 && rm -f /app/*.pdb /app/createdump /app/libmscordaccore.so /app/libmscordbi.so \
 && mv /app/nnclr /app/nnclr-host \
 && install -m 755 scripts/published-nnclr.sh /app/nnclr \
 && install -m 644 scripts/allocator.sh /app/nnclr-allocator.sh

# Stage 2: CUDA runtime (driver libraries come from the host through the NVIDIA container toolkit;
# the libtorch-cuda package brings its own cuDNN/cuBLAS). Ubuntu 24.04's libstdc++ (GCC 14)
# provides GLIBCXX_3.4.32, which TorchSharp 0.107 needs. libturbojpeg (Ubuntu's name for libjpeg-turbo's TurboJPEG
# library) decodes JPEG datasets with SIMD, ~1.5x faster than SkiaSharp's bundled decoder (same pixels).
# fonts-dejavu-core: the run report's chart labels. libtcmalloc-minimal4t64 (Ubuntu 24.04's name for Debian's
# libtcmalloc-minimal4): /opt/nnclr/nnclr (scripts/published-nnclr.sh) runs the host with tcmalloc, which keeps
# libtorch's freed host memory for reuse where glibc malloc unmaps it (README, "Memory allocator").
FROM nvidia/cuda:12.8.1-base-ubuntu24.04
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 ca-certificates libturbojpeg libtcmalloc-minimal4t64 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 nnclr \
 && mkdir -p /work && chown nnclr:nnclr /work
COPY --from=build /app /opt/nnclr
# NNCLR_Run__RunDir is both where `train` writes (unless --run-dir says otherwise) and what the HEALTHCHECK reads.
ENV DOTNET_gcServer=0 \
    NNCLR_Run__LogFormat=json \
    NNCLR_Run__RunDir=/work/run
USER nnclr
WORKDIR /work
VOLUME ["/work"]
# SIGTERM (docker stop) finishes the step, writes a checkpoint and exits 0, as under systemd; give it up to
# Run:ShutdownTimeoutSeconds (120 s) with `docker run --stop-timeout 150` (Docker's default is 10 s, then SIGKILL).
STOPSIGNAL SIGTERM
# Healthy while the run trains and its heartbeat (status.json, rewritten every 10 s) is fresh, or once it completed or
# stopped; unhealthy when it failed, was killed, stopped responding, or never started. start-period covers libtorch
# loading and dataset preparation.
HEALTHCHECK --interval=60s --timeout=20s --start-period=10m --retries=3 CMD ["/opt/nnclr/nnclr", "status", "--health"]
ENTRYPOINT ["/opt/nnclr/nnclr"]
CMD ["doctor"]

# nnclr CUDA image. Docker cannot run on the development machines, so this file is kept correct by
# reading (see README, "Docker"). Build:   docker build -t nnclr .
# Run:     docker run --gpus all -v $PWD/work:/work nnclr train --preset cifar10-resnet18 --data /work/cifar10 --run-dir /work/runs/r1
#
# Stage 1: publish self-contained with TorchSharp + libtorch 2.10.0 for CUDA 12.8 (from nuget.org).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish Nnclr.Host/Nnclr.Host.csproj -c Release -r linux-x64 --self-contained \
      -p:TorchBackend=cuda -o /app \
 && rm -f /app/*.pdb /app/createdump /app/libmscordaccore.so /app/libmscordbi.so

# Stage 2: CUDA runtime (driver libraries come from the host through the NVIDIA container toolkit;
# the libtorch-cuda package brings its own cuDNN/cuBLAS). Ubuntu 24.04's libstdc++ (GCC 14)
# provides GLIBCXX_3.4.32, which TorchSharp 0.107 needs. libturbojpeg (Ubuntu's name for libjpeg-turbo's TurboJPEG
# library) decodes JPEG datasets with SIMD, ~1.5x faster than SkiaSharp's bundled decoder (same pixels).
FROM nvidia/cuda:12.8.1-base-ubuntu24.04
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 ca-certificates libturbojpeg \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 nnclr \
 && mkdir -p /work && chown nnclr:nnclr /work
COPY --from=build /app /opt/nnclr
ENV DOTNET_gcServer=0 \
    NNCLR_Run__LogFormat=json
USER nnclr
WORKDIR /work
VOLUME ["/work"]
ENTRYPOINT ["/opt/nnclr/nnclr"]
CMD ["doctor"]

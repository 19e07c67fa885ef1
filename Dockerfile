# syntax=docker/dockerfile:1.6
# omnigate: one image holding every binary (ingest, dispatcher, chatbot, agent
# router, omnigatectl, loadgen when built). Kubernetes picks the binary with
# `command:` (k8s/base). Build from the repository root; the repository is the
# whole build context:
#
#   docker build -t omnigate:0.1.0 .
#
# deploy/tools/check-docker-context.sh replays the COPY and RUN steps of the
# build stage in an empty directory (no container engine needed).

ARG DEBIAN_IMAGE=debian:12

############################ build: compile + unit tests ######################
FROM ${DEBIAN_IMAGE} AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config ninja-build \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
      libabsl-dev libhiredis-dev libre2-dev tzdata prometheus-cpp-dev libyaml-cpp-dev rapidjson-dev \
      libboost-dev libssl-dev libcurl4-openssl-dev libgtest-dev libgmock-dev liblua5.1-0-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY proto proto
COPY lib lib
COPY services services
COPY tools/loadgen tools/loadgen
COPY tools/fake_provider tools/fake_provider
COPY tests tests
COPY fuzz fuzz
COPY deploy deploy
ARG JOBS=2
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DOMNIGATE_BUILD_BENCH=OFF \
 && cmake --build build -j "${JOBS}"
# The image is only produced when the unit tests pass.
RUN cd build && ctest -L unit --output-on-failure -j "${JOBS}"
# Stage the binaries and the Debian packages their shared libraries come from,
# so the runtime stage installs exactly those and nothing else.
RUN mkdir -p /out/bin \
 && for b in omnigate-ingest omnigate-dispatcher omnigate-chatbot omnigate-agent-router \
      omnigate-sender omnigatectl omnigate-loadgen; do \
      strip -o "/out/bin/$b" "build/bin/$b" || exit 1; \
    done \
 && ldd /out/bin/* | awk '/=> \// {print $3}' | sort -u \
      | xargs -r dpkg -S 2>/dev/null | cut -d: -f1 | sort -u \
      | grep -v -E '^(libc6|libgcc-s1|libstdc\+\+6)$' > /out/runtime-packages.txt \
 && cat /out/runtime-packages.txt

############################ runtime: binaries + their libraries ##############
FROM ${DEBIAN_IMAGE}-slim AS runtime
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=build /out/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata $(cat /tmp/runtime-packages.txt) \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && groupadd --system --gid 10001 omnigate \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin omnigate
COPY --from=build /out/bin/ /usr/local/bin/
# Config comes from the ConfigMap mounted here (k8s/base).
WORKDIR /etc/omnigate
USER 10001:10001
# ingest: http 8080, grpc 7000, metrics 9100; dispatcher 7100/9103;
# chatbot 7101/9101; agent router 7102/9102; sender 7103/9104.
EXPOSE 8080 7000 9100 7100 9103 7101 9101 7102 9102 7103 9104
CMD ["omnigate-ingest", "--help"]

# An image that runs StarlingX's vault-manager script (the chart's init.sh)
# on kind: bash and the tools the script calls (curl, jq, uuidgen, GNU
# coreutils/grep/sed, mawk) and kubectl for the node image's Kubernetes
# minor, installed under the versioned name the script looks for
# (kubectl.v<major>.<minor>, listed in KUBE_VERSIONS) and as plain kubectl.
# The script runs as uid 1000 with its work files in /workdir.
#
#   docker build -f manager/deploy/starlingx-manager.Dockerfile \
#     -t rekey-chaos/stx-vault-manager:kube-1.31 manager/deploy
#
# KUBECTL_VERSION must match the minor of the kind node image
# (harness/backends/kind/config.ts, KIND_NODE_IMAGE).
FROM debian:bookworm-slim
ARG KUBECTL_VERSION=v1.31.2
ARG TARGETARCH=amd64
RUN apt-get update \
 && apt-get install -y --no-install-recommends bash ca-certificates coreutils curl grep jq mawk sed uuid-runtime \
 && rm -rf /var/lib/apt/lists/*
RUN minor="${KUBECTL_VERSION%.*}" \
 && curl -fsSL -o "/usr/local/bin/kubectl.${minor}" "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${TARGETARCH}/kubectl" \
 && chmod 0755 "/usr/local/bin/kubectl.${minor}" \
 && ln -s "/usr/local/bin/kubectl.${minor}" /usr/local/bin/kubectl
ENV KUBE_VERSIONS=${KUBECTL_VERSION}
RUN groupadd --gid 1000 manager && useradd --uid 1000 --gid 1000 --home-dir /workdir --create-home --shell /bin/bash manager
USER manager
WORKDIR /workdir
CMD ["bash"]

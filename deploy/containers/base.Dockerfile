# Base images from Debian's packages (deploy/containers/base-images.sh builds each stage with
# --target), for a machine that reaches Debian's mirror but no image registry. Every stage starts
# from the minimal Debian that base-images.sh makes with debootstrap and imports. Only Debian's
# plain-HTTP mirror is used (packages are checked by apt's signatures), so no CA is needed here.
#
#   python  Debian's Python 3.11 with venv: PYTHON_IMAGE of python-env-server/Dockerfile
#   jre     Debian's OpenJDK 17 JRE (the POM's Java): JRE_IMAGE of agent/Dockerfile
#   maven   Debian's Maven on OpenJDK 17: MAVEN_IMAGE of agent/Dockerfile (its default ARTIFACTS=build)
#   node    Debian's Node.js and npm: NODE_IMAGE of agent/Dockerfile (its default ARTIFACTS=build)
ARG DEBIAN_IMAGE=localhost/isoplast-base/debian:bookworm-minbase

FROM ${DEBIAN_IMAGE} AS python
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv python-is-python3 \
 && rm -rf /var/lib/apt/lists/*

FROM ${DEBIAN_IMAGE} AS jre
# OpenJDK's post-install step links its man pages and fails where their folder is missing
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/*

FROM ${DEBIAN_IMAGE} AS maven
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends default-jdk-headless maven \
 && rm -rf /var/lib/apt/lists/*
ENV JAVA_HOME=/usr/lib/jvm/default-java

FROM ${DEBIAN_IMAGE} AS node
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*

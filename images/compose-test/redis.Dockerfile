# Redis from Debian's packages on the local base (cronium/base:local), standing in for valkey/valkey:8 in the
# compose stack test where no registry serves it: valkey-server and valkey-cli are the Redis programs (Valkey is
# a fork that speaks the same protocol), so docker-compose.yml's command and healthcheck run unchanged.
#   docker build --network host -f images/compose-test/redis.Dockerfile -t IMAGE images/compose-test
ARG BASE=cronium/base:local
FROM ${BASE}
USER root
RUN set -eu; apt-get update -qq; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*; \
    ln -s /usr/bin/redis-server /usr/local/bin/valkey-server; ln -s /usr/bin/redis-cli /usr/local/bin/valkey-cli; \
    install -d -o redis -g redis /data
WORKDIR /data
USER redis
CMD ["valkey-server"]

# PostgreSQL from Debian's packages on the local base (cronium/base:local), for the compose stack test where no
# registry serves postgres:16. It behaves as the official image does for what docker-compose.yml uses:
# POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB make the cluster on first start, data in
# /var/lib/postgresql/data, `postgres ARGS...` as the command, pg_isready on the PATH.
#   docker build --network host -f images/compose-test/postgres.Dockerfile -t IMAGE images/compose-test
ARG BASE=cronium/base:local
FROM ${BASE}
USER root
RUN set -eu; apt-get update -qq; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*; \
    install -d -o postgres -g postgres -m 0700 /var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
USER postgres
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint"]
CMD ["postgres"]

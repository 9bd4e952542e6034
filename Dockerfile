# Build: docker build -t redis-proxy .   (or: docker-compose up --build)
# Plain Dockerfile syntax (no BuildKit-only features), so the classic builder used by docker-compose 1.29 works too.

# ---- build stage -------------------------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build

# Dependencies first: this layer is reused until pom.xml changes. go-offline cannot always resolve every plugin's
# dependencies ahead of time; whatever it misses is fetched by the package step below, which does fail on errors.
COPY pom.xml .
RUN mvn -B -q dependency:go-offline || true

COPY src ./src
# No AppCDS archive here: an archive works only with the JVM that made it, so the runtime stage makes its own.
RUN mvn -B -q package -Dmaven.test.skip=true -Dcds.skip=true

# ---- runtime stage -----------------------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre

# curl for the health check below (and compose's); the base image may or may not carry it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*

# Fixed, unprivileged ids that do not clash with the base image's own users.
RUN groupadd --system --gid 10001 proxy \
 && useradd --system --uid 10001 --gid proxy --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin proxy

WORKDIR /app
COPY --from=build /build/target/redis-proxy.jar /app/redis-proxy.jar

# The AppCDS archive, made by the runtime image's own JVM: a training run on an embedded Redis (about half the start-up
# time; see docs/performance.md). Should the run fail, the image still builds and starts, only slower: the JVM
# warns that the archive is missing and loads every class from the jar.
RUN java -XX:ArchiveClassesAtExit=/app/redis-proxy.jsa -Xlog:cds=off -Xlog:cds+dynamic=off \
      -jar /app/redis-proxy.jar cds-training \
 || echo "no AppCDS archive: the proxy will start without it"

USER 10001:10001
# 8080 HTTP, 6379 RESP (when RESP_PORT=6379), 8081 management (/health, /metrics).
EXPOSE 8080 6379 8081

# Readiness of the proxy: 200 only while Redis answers PING (see /health in docs/operations.md).
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:${MANAGEMENT_PORT:-8081}/health || exit 1

# Exec form: java is PID 1 and receives SIGTERM itself, drains requests in flight (SHUTDOWN_TIMEOUT) and exits 0.
# Settings come from the environment (-e NAME=value) or as --kebab-case=value arguments after the image name.
ENTRYPOINT ["java", "-XX:SharedArchiveFile=/app/redis-proxy.jsa", "-jar", "/app/redis-proxy.jar"]

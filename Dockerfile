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
RUN mvn -B -q package -Dmaven.test.skip=true

# ---- runtime stage -----------------------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre

# Fixed, unprivileged ids that do not clash with the base image's own users.
RUN groupadd --system --gid 10001 proxy \
 && useradd --system --uid 10001 --gid proxy --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin proxy

WORKDIR /app
COPY --from=build /build/target/redis-proxy.jar /app/redis-proxy.jar

USER 10001:10001
EXPOSE 8080 6379

# Exec form: java is PID 1 and receives SIGTERM itself, drains requests in flight (SHUTDOWN_TIMEOUT) and exits 0.
# Settings come from the environment (-e NAME=value) or as --kebab-case=value arguments after the image name.
ENTRYPOINT ["java", "-jar", "/app/redis-proxy.jar"]

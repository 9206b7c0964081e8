# Herald node image for those who build with Docker; `mvn -pl node jib:build` builds the same image
# without Docker (node/pom.xml). Build the jar first (npm on the PATH: the demo page bundles phoenix.js
# from npm), then the image from the repository's root:
#   ./mvnw -B -DskipTests package -pl node -am && docker build -t herald-node .
FROM eclipse-temurin:17-jre

# Not root: a numeric user, so the base image needs no account for it.
ARG HERALD_UID=10001
WORKDIR /app
COPY --chown=${HERALD_UID}:${HERALD_UID} node/target/herald-node.jar /app/herald-node.jar
USER ${HERALD_UID}:${HERALD_UID}

# public WebSocket, HTTP API, management (GET /alive, /ready, /metrics), remoting (cluster), node link
EXPOSE 4000 4001 7626 17355 17356
# A fixed link port in containers, where network policies name ports (outside: any free one).
ENV HERALD_LINK_PORT=17356

# The production profile's options (scripts/java-defaults.sh) sized to the container's memory limit
# instead of fixed: why each is there is in node/pom.xml (herald.container.java-options), whose value
# this must equal (K8sManifestsTest checks).
ENV JAVA_TOOL_OPTIONS="-XX:+UseParallelGC -XX:MaxRAMPercentage=60 -XX:InitialRAMPercentage=60 -XX:NewRatio=1 -XX:MaxTenuringThreshold=0 -XX:+ExitOnOutOfMemoryError"

ENTRYPOINT ["java", "-jar", "/app/herald-node.jar"]

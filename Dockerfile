# drillbot: runs `drillbot run`. The token comes from a mounted secret file (DISCORD_TOKEN_FILE)
# or the environment, never from the image. Build: docker build -t drillbot .
# Stage 1 builds the project and its dependencies as wheels; stage 2 installs only wheels,
# so no compiler, build tool or source tree reaches the running image.
FROM python:3.11.11-slim-bookworm AS build

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY content ./content
RUN pip wheel --no-cache-dir --wheel-dir /wheels .


FROM python:3.11.11-slim-bookworm

# No DRILLBOT_DB here: it would hide a DRILLBOT_DB_FILE secret (docker-compose.postgres.yml).
# Without either, the database is drillbot.sqlite3 in the working directory, the /data volume.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DRILLBOT_HEALTH=0.0.0.0:8080

# Numeric ids: Kubernetes' runAsNonRoot can check them without reading /etc/passwd.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels /wheels/drillbot-*.whl \
    && groupadd --gid 10001 drillbot \
    && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin drillbot \
    && mkdir /data && chown 10001:10001 /data

USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# 8080: health and metrics (DRILLBOT_HEALTH). 8090: the web board, served only when
# DRILLBOT_WEB=0.0.0.0:8090 is set (README, "The web board with Docker Compose").
EXPOSE 8080 8090

# docker stop sends this; drillbot finishes in-flight work and exits 0 within 10 s.
STOPSIGNAL SIGTERM
# Healthy means ready (/readyz: gateway connected, database writable, scheduler running), what
# `depends_on: condition: service_healthy` and `docker ps` are read for; /healthz (the process
# answers) is for a liveness probe. urlopen raises on the 503 of a failing check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/readyz', timeout=4)"]

ENTRYPOINT ["drillbot"]
CMD ["run"]

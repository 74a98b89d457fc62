# drillbot: a small image that runs `drillbot run`. The token comes from the environment or a
# mounted secret file (DISCORD_TOKEN_FILE), never from the image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DRILLBOT_DB=/data/drillbot.sqlite3

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY content ./content
RUN pip install --no-cache-dir . && useradd --create-home --uid 10001 drillbot \
    && mkdir -p /data && chown drillbot /data

USER drillbot
VOLUME ["/data"]
ENTRYPOINT ["drillbot"]
CMD ["run"]

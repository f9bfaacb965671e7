# auditbot: the Telegram audit assistant. See README.md ("Containers").
# An exact tag (patch release and Debian release), not a moving one.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    AUDITBOT_DATA_DIR=/data

# CJK fonts for Chinese text in the Word/PDF reports and charts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
# Exact versions from the lock first (a layer of its own), then the bot without resolving again.
RUN pip install -r requirements.lock
COPY bot ./bot
COPY storage ./storage
COPY prompts ./prompts
COPY checklists ./checklists
COPY devtools ./devtools
RUN pip install --no-deps . && useradd --create-home --uid 10001 auditbot \
    && mkdir -p /data && chown auditbot:auditbot /data && chmod 700 /data

USER auditbot
VOLUME ["/data"]
EXPOSE 8080

# Polling: the inbox's heartbeat is fresh; webhook: /healthz answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["auditbot", "health"]

# Exec form: SIGTERM reaches the bot itself, which stops cleanly.
CMD ["auditbot", "run"]

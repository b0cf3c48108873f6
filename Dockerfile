# Recoupe's HTTP API on CPU. Build: docker compose build; run: docker compose up
# (API and docs on http://localhost:8000/v1/docs).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RECOUPE_DATA_DIR=/data

WORKDIR /app

# The CPU build of torch first: from the default index, torch==2.13.0 is a
# multi-GB CUDA build. Pass PyTorch's CPU wheel index as TORCH_INDEX_URL
# (docker compose build --build-arg TORCH_INDEX_URL=...); pyproject's
# torch==2.13.0 then accepts the CPU build already installed.
ARG TORCH_INDEX_URL
RUN pip install torch==2.13.0 ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}

# The other dependencies in their own layer, rebuilt only when pyproject.toml changes. The `lab`
# extra builds the models below (the server itself runs them with ONNX Runtime, without torch).
COPY pyproject.toml README.md ./
RUN mkdir service lab && touch service/__init__.py lab/__init__.py && pip install -e '.[lab]' && rm -rf service lab

COPY . .
RUN pip install --no-deps -e . \
 && recoupe models build-embedder --if-missing \
 && recoupe models build-stance --if-missing

RUN useradd --create-home --uid 10001 recoupe \
 && mkdir -p /data && chown recoupe /data
USER recoupe

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=300s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/v1/health' % os.environ.get('RECOUPE_PORT', '8000'), timeout=4)"

# Ingest the demo corpus into the (empty) data volume on first start, then serve. Writes need an
# API key: RECOUPE_API_KEY when set, else one generated on first start into the data volume
# (docker compose exec recoupe cat /data/api-key).
ENTRYPOINT ["recoupe"]
CMD ["serve", "--host", "0.0.0.0", "--api-key-file", "/data/api-key", "--ingest-if-empty", "seeds/"]

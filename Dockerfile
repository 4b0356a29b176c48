# syntax=docker/dockerfile:1
# Parley: build the wheel, then install it with the locked runtime dependencies only.
#   docker build -t parley-chat .
#   docker run --read-only --tmpfs /tmp -v parley-data:/data -p 8000:8000 parley-chat
# compose.yaml runs the scale-out stack (two instances, PostgreSQL, Redis, MinIO, nginx).

FROM python:3.12-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir uv==0.13.8
COPY pyproject.toml uv.lock README.md ./
COPY parley ./parley
RUN uv build --wheel --out-dir /dist \
    && uv export --frozen --no-dev --no-emit-project --format requirements-txt -o /dist/requirements.txt

FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PARLEY_DATA_DIR=/data \
    PARLEY_DATABASE_URL=sqlite+aiosqlite:////data/parley.db
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home parley \
    && mkdir -p /data /keys \
    && chown -R parley:parley /data /keys
COPY --from=build /dist /tmp/dist
RUN pip install --no-cache-dir --require-hashes -r /tmp/dist/requirements.txt \
    && pip install --no-cache-dir --no-deps /tmp/dist/*.whl \
    && rm -rf /tmp/dist
USER 10001:10001
WORKDIR /data
# Everything Parley writes lives under /data (keys in /data/keys unless PARLEY_SIGNING_KEYS_DIR
# points elsewhere, e.g. the shared /keys volume of compose.yaml); the rest can be read-only.
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/v1/health/live', timeout=2)"]
CMD ["parley", "serve", "--host", "0.0.0.0", "--port", "8000"]

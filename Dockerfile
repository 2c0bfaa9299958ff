# The Chainrule image: the API (`chainrule serve`) and the grading worker (`chainrule worker`).
# The compose file runs it with a read-only root; only /tmp, the slot locks and var/ (the
# judge's runtime copy of its child harness) are writable, as tmpfs.
FROM python:3.11-slim-bookworm
# bubblewrap isolates candidate code (DESIGN.md §4; util-linux's setpriv, unshare and mount
# are in the base image); r-base-core runs R answers (Debian's R, nothing from CRAN); Pango,
# HarfBuzz and DejaVu lay out the report's PDF.
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap r-base-core \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/chainrule
# gcc builds the R zygote's library (sandbox/child/r/zygote.c) when the first R job starts.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY sandbox ./sandbox
COPY migrations ./migrations
COPY question_bank ./question_bank
RUN pip install --no-cache-dir -e . && mkdir -p var
ENV PYTHONDONTWRITEBYTECODE=1
EXPOSE 8000
CMD ["chainrule", "serve", "--host", "0.0.0.0", "--no-setup"]

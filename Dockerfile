# The portal's production image: gunicorn serves the app, the same image runs the Celery worker
# and beat. Static files (htmx, plotly.js, styles) are collected into the image: no CDN.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# The portal user has no home: matplotlib (briefing charts) keeps its font cache under /data.
ENV MPLCONFIGDIR=/data/matplotlib
# CJK fonts and Pango/HarfBuzz (WeasyPrint) for the PDF briefing; gettext for message catalogues;
# pg_dump/pg_restore of the compose file's PostgreSQL 15 for `backup_portal` / `restore_portal`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DEBUG=0 SECRET_KEY=build-only python manage.py collectstatic --noinput --verbosity 0 \
 && DEBUG=0 SECRET_KEY=build-only python manage.py compilemessages --ignore=.venv --verbosity 0

RUN useradd --system --uid 1000 portal && mkdir -p /data && chown portal /data
USER portal
EXPOSE 8000
CMD ["gunicorn", "metrology_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

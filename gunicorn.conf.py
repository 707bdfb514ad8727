"""gunicorn settings of both sites (docs/deploy.md): `gunicorn -c gunicorn.conf.py tsadmin.wsgi`
or `… tsadmin.wsgi_portal`. Values from bench/peak.py; each can be overridden by the environment."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
worker_class = "gthread"
# Argon2 (the families' passwords) takes ~100 MB and one core per hash in flight: on the families'
# site, threads beyond the cores only queue hashes and add memory.
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# A worker is replaced after this many requests (with jitter so they do not all restart at once):
# bench/peak.py saw no growth over a run; this bounds a slow leak, it is not a measured one.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

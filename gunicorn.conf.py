"""Gunicorn settings for Workbench in production: `gunicorn workbench.wsgi` reads this file
from the working directory (or pass `--config gunicorn.conf.py`). Environment variables
tune it per machine; the command line wins over both.

gthread workers: each process serves several requests at once in threads, so a long
export stream or a slow client does not hold a whole process, and the process keeps
telling the arbiter it is alive while its threads work. That is why `timeout` does not cut
a long response here (it would with the sync worker: a 100,000-record export streams for
tens of seconds and a cut stream ends like a complete one). What does end requests is a
restart: `graceful_timeout` is how long running requests get to finish then.
"""

import os

from workbench.worker_balance import ConnectionTable

wsgi_app = "workbench.wsgi"
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
worker_class = "gthread"
# Processes: about two per core, as usual. Threads: requests in flight per process (each
# holds a database connection, kept for CONN_MAX_AGE).
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Seconds a worker process may go without answering the arbiter before it is replaced:
# a stuck process, not a long request (see above).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
# Seconds running requests (an export stream) get to finish on a restart or deploy.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "120"))
# Behind a proxy that keeps connections open to the app servers.
keepalive = 5
# Recycle a process after this many requests (and a random few more, so that they do not
# all restart together): bounds the growth of a long-lived process.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
# The proxy's address, whose X-Forwarded-* headers gunicorn itself may trust (Django reads
# PROXY_SSL_HEADER and TRUSTED_PROXY_COUNT for its own decisions).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Move everything the worker has loaded (Django, the apps, the URL patterns) out of the
    garbage collector's sight before it serves: those objects live as long as the process,
    yet every full collection walked them all again, about a tenth of a span create's CPU on
    average and a pause of a hundred milliseconds or more when one ran. Objects made while
    serving are still collected as usual."""
    import gc

    gc.collect()
    gc.freeze()
    connection_table.ready(worker)
    worker.log.info("Worker ready to serve (pid: %s)", worker.pid)


# Kept-alive connections spread evenly over the worker processes (workbench/worker_balance.py).
# Made here, in the master, so that every worker it forks shares it.
connection_table = ConnectionTable()


def pre_fork(server, worker):
    connection_table.assign(server, worker)


def child_exit(server, worker):
    connection_table.release(worker)


def pre_request(worker, req):
    """A process holding more connections than the others answers with `Connection: close`
    (the client reconnects, to whichever process accepts). Then gunicorn's own: the request
    in the debug log."""
    if connection_table.should_close(worker):
        req.must_close = True
    worker.log.debug("%s %s", req.method, req.path)

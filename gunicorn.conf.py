"""gunicorn's settings, read from the working directory whenever gunicorn starts here.

Access log lines name the path, never the query string or the referring page: search pages carry
what was searched for in `?q=...` (protected words the audit trail keeps only as a keyed hash), and
a referer would repeat the previous page's query.
"""

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "-" "%(a)s"'

"""Keep the clients' connections spread evenly over gunicorn's worker processes.

A kept-alive connection stays with the process that accepted it, for as long as the client
keeps using it: a browser polling the annotate screen every 3 seconds, or a proxy's pool of
upstream connections, never lets go. Which process accepts a new connection is a race
between the processes, and the one that has just answered (its caches warm, already awake)
tends to win it. Measured with 32 annotate screens on two processes: 23 and 9 connections,
even 7 and 1 of 8. Both processes get the same CPU, so the clients of the crowded one wait
more than twice as long for each span they create, and the p95 latency is theirs.

So each process publishes how many connections it holds in a table the master shares with
every process it forks (`ConnectionTable`), and a process holding more than `MARGIN` above
the process with the fewest answers the request it is serving with `Connection: close`. The
answer is complete; the client opens a new connection for its next request, which any
process may accept. Only crowded processes let connections go, so the counts even out
within a few requests, at the cost of a new loopback or proxy connection now and then.

gunicorn.conf.py wires it: `pre_fork` and `child_exit` in the master, `post_worker_init`
and `pre_request` in the workers. Workers without a connection count (gunicorn's sync
worker) are left alone.
"""

import multiprocessing

# Processes the table has room for; beyond that, the extra ones are left out of balancing.
MAX_WORKERS = 64
# How many more connections than the least busy process a process may hold.
MARGIN = 2
_FREE = -1


class ConnectionTable:
    """Connections held per worker process, in memory shared by the processes the master
    forks after creating it (one slot per live worker, `_FREE` otherwise)."""

    def __init__(self, slots: int = MAX_WORKERS):
        self.held = multiprocessing.RawArray("l", [_FREE] * slots)

    def assign(self, server, worker) -> None:
        """In the master, before `worker` is forked: a slot no live worker has (left out
        of the counts until the worker is ready to serve)."""
        used = {getattr(other, "balance_slot", None) for other in server.WORKERS.values()}
        free = [slot for slot in range(len(self.held)) if slot not in used]
        worker.balance_slot = free[0] if free else None
        if free:
            self.held[free[0]] = _FREE

    def ready(self, worker) -> None:
        """In the worker, once it has loaded the application: it holds no connection yet,
        and the others let some go to it. (Counted before, a process still loading Django
        would draw connections the others close to no end.)"""
        slot = getattr(worker, "balance_slot", None)
        if slot is not None and hasattr(worker, "nr_conns"):
            self.held[slot] = 0

    def release(self, worker) -> None:
        """In the master, once `worker` has exited: its slot is free again."""
        slot = getattr(worker, "balance_slot", None)
        if slot is not None:
            self.held[slot] = _FREE

    def should_close(self, worker) -> bool:
        """In a worker, for each request: publish the connections this process holds, and
        say whether this one should be let go (more than MARGIN above the fewest)."""
        slot = getattr(worker, "balance_slot", None)
        held = getattr(worker, "nr_conns", None)
        if slot is None or held is None:
            return False
        self.held[slot] = held
        others = [count for index, count in enumerate(self.held[:])
                  if index != slot and count != _FREE]  # fmt: skip
        return bool(others) and held > min(others) + MARGIN

"""workbench/worker_balance.py: the table of connections per gunicorn worker process, and
the rule that lets a crowded process close a connection after its answer. (With a real
gunicorn: tests/test_production_run.py.)"""

from types import SimpleNamespace

from workbench.worker_balance import MARGIN, ConnectionTable


def forked(table, server, pid):
    """A worker as the master makes it (a slot assigned before the fork), once it has
    loaded the application."""
    worker = SimpleNamespace(nr_conns=0)
    table.assign(server, worker)
    server.WORKERS[pid] = worker
    table.ready(worker)
    return worker


def test_each_live_worker_has_a_slot_of_its_own_and_an_exited_one_frees_it():
    table = ConnectionTable(slots=3)
    server = SimpleNamespace(WORKERS={})
    first, second, third = (forked(table, server, pid) for pid in (101, 102, 103))
    assert [first.balance_slot, second.balance_slot, third.balance_slot] == [0, 1, 2]
    assert forked(table, SimpleNamespace(WORKERS=dict(server.WORKERS)), 104).balance_slot is None
    table.release(server.WORKERS.pop(102))
    assert list(table.held) == [0, -1, 0]
    replacement = forked(table, server, 105)
    assert replacement.balance_slot == 1 and list(table.held) == [0, 0, 0]


def test_only_a_process_holding_more_than_the_margin_above_the_fewest_lets_go():
    table = ConnectionTable(slots=4)
    server = SimpleNamespace(WORKERS={})
    crowded, quiet, busy = (forked(table, server, pid) for pid in (1, 2, 3))
    crowded.nr_conns, quiet.nr_conns, busy.nr_conns = 5 + MARGIN, 4, 4 + MARGIN
    for worker in (crowded, quiet, busy):
        table.should_close(worker)  # each publishes its count as it serves
    assert list(table.held[:4]) == [5 + MARGIN, 4, 4 + MARGIN, -1]
    assert not table.should_close(quiet)
    assert not table.should_close(busy)  # at the margin: kept
    assert table.should_close(crowded)
    quiet.nr_conns = 5
    table.should_close(quiet)
    assert not table.should_close(crowded)  # the others caught up
    # A new process is left out while it loads the application; once ready, it holds
    # nothing yet and the others let connections go to it.
    newcomer = SimpleNamespace(nr_conns=0)
    table.assign(server, newcomer)
    server.WORKERS[4] = newcomer
    assert not table.should_close(busy) and not table.should_close(quiet)
    table.ready(newcomer)
    assert table.held[newcomer.balance_slot] == 0
    assert table.should_close(busy) and table.should_close(quiet)


def test_a_lone_process_and_a_worker_without_a_count_keep_their_connections():
    table = ConnectionTable(slots=2)
    server = SimpleNamespace(WORKERS={})
    alone = forked(table, server, 1)
    alone.nr_conns = 50
    assert not table.should_close(alone)
    sync_worker = SimpleNamespace()  # gunicorn's sync worker counts no connections
    table.assign(server, sync_worker)
    assert not table.should_close(sync_worker)
    assert not table.should_close(SimpleNamespace(nr_conns=9))  # forked without a slot

"""One model call for the work of every request waiting: a batching queue.

Concurrent requests each bring a few items (a verification brings ~10 stance
pairs and one query to embed). Run from each request's thread, four threads
call the same ONNX Runtime session at once and contend for the same two
cores, each call splitting the cores between them; gathered, one thread
drives the model over the items of every waiting request, with the cores to
itself, while the request threads do their retrieval and rules. The model
function decides how it runs the items (the stance model's served int8
graph runs each pair on its own, its "onnx-int8-static" option runs them in
length-bucketed batches of a graph whose answers do not depend on their
batch-mates: stance/model.py), so a caller's results do not depend on who it
shared the call with.

    queue = BatchQueue(model.predict, max_wait_s=0.004, name="stance")
    with queue.request():              # while a request is in flight (optional)
        probs = queue.submit(pairs)    # blocks; returns exactly model.predict(pairs)
    queue.close()

How long an item waits. One thread (the queue's own) calls the model. When
it is idle and work arrives, it waits at most `max_wait_s` for more, and only
while a request announced with `request()` has not submitted yet: a lone
request (one client, a CLI run) starts at once and pays nothing. When the
model is busy, work waiting gathers for the next call, which starts as soon
as the current one ends. So what the queue adds to a request is at most the
bound, beyond the model's work (its own and that of the requests it shares a
call with, which it would otherwise have queued behind for the CPU).

Errors. When a gathered call raises, each caller's items are run again on
their own, so that an exception reaches the caller whose input caused it and
the others still get their results. `close()` finishes what was submitted,
then stops the thread; a submit after close raises.

Why hand-written: the serving libraries that batch dynamically (Ray Serve's
@serve.batch, Triton, TorchServe) are servers or asyncio frameworks of their
own; the HTTP worker here is threads in one process, where a condition
variable and a list are the whole mechanism.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager

import numpy as np

from service.errors import RecoupeError

DEFAULT_MAX_WAIT_S = 0.004
DEFAULT_MAX_ITEMS = 512  # one call of at most this many items (16 verifications of 10 pairs fit three times)


class QueueClosed(RecoupeError):
    status = 503
    kind = "unavailable"


class _Job:
    __slots__ = ("items", "result", "error", "done", "submitted")

    def __init__(self, items):
        self.items = items
        self.result = None
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.submitted = time.monotonic()


class BatchQueue:
    """Items from many threads -> one call of `fn(items)`, results split back in order.

    `fn` takes a list and returns a sequence (or array) of the same length,
    one result per item, and must not depend on which other items share its
    call (a model in inference mode).
    """

    def __init__(self, fn: Callable[[list], Sequence], *, max_wait_s: float = DEFAULT_MAX_WAIT_S,
                 max_items: int = DEFAULT_MAX_ITEMS, name: str = "model"):
        if max_wait_s < 0 or max_items < 1:
            raise ValueError("max_wait_s must be >= 0 and max_items >= 1")
        self.fn, self.max_wait_s, self.max_items, self.name = fn, max_wait_s, max_items, name
        # Figures for benchmarks and tests: model calls, items, and jobs (submits) served.
        self.calls = 0
        self.items = 0
        self.jobs = 0
        self._start()

    def _start(self) -> None:
        self._cond = threading.Condition()
        self._pending: list[_Job] = []
        self._expected = 0  # requests announced with request() that have not submitted yet
        self._local = threading.local()
        self._closed = False
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._loop, name=f"batch-{self.name}", daemon=True)
        self._thread.start()

    def _check_fork(self) -> None:
        # A thread does not survive a fork: a child process (a pre-forking server's worker) starts its own.
        if self._pid != os.getpid():
            self._start()

    # ------------------------------------------------------------ callers

    @contextmanager
    def request(self):
        """Announce a request that will submit soon: the queue waits (up to the bound) for it."""
        self._check_fork()
        with self._cond:
            self._expected += 1
        self._local.expected = True
        try:
            yield self
        finally:
            self.arrived()

    def arrived(self) -> None:
        # This thread's announced request has submitted, or ended without submitting.
        if getattr(self._local, "expected", False):
            self._local.expected = False
            with self._cond:
                self._expected -= 1
                self._cond.notify_all()

    def submit(self, items: list):
        """fn(items), computed in a call shared with other waiting callers."""
        items = list(items)
        self._check_fork()
        if not items:
            self.arrived()
            return self.fn(items)
        job = _Job(items)
        with self._cond:
            if self._closed:
                raise QueueClosed(f"the {self.name} queue is closed (the server is shutting down)")
            self._pending.append(job)
            if getattr(self._local, "expected", False):
                self._local.expected = False
                self._expected -= 1
            self._cond.notify_all()
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result

    def close(self, timeout: float | None = 30.0) -> None:
        """Finish what was submitted, then stop the queue's thread."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout)

    # ------------------------------------------------------------ the queue's thread

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if not self._pending:  # closed and drained
                    return
                self._gather()
                batch = self._take()
            self._run(batch)

    def _gather(self) -> None:
        """Called holding the lock, with work pending: wait up to the bound for announced requests."""
        deadline = self._pending[0].submitted + self.max_wait_s
        while not self._closed and self._expected > 0 and self._count() < self.max_items:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._cond.wait(left)

    def _count(self) -> int:
        return sum(len(j.items) for j in self._pending)

    def _take(self) -> list[_Job]:
        taken, n = [], 0
        while self._pending and (not taken or n + len(self._pending[0].items) <= self.max_items):
            job = self._pending.pop(0)
            taken.append(job)
            n += len(job.items)
        return taken

    def _run(self, batch: list[_Job]) -> None:
        items = [x for job in batch for x in job.items]
        try:
            results = self.fn(items)
            if len(results) != len(items):
                raise RecoupeError(f"the {self.name} model returned {len(results)} results for {len(items)} items")
        except BaseException as exc:  # noqa: BLE001 - every error goes back to a caller
            if len(batch) == 1:
                batch[0].error = exc
                batch[0].done.set()
                return
            for job in batch:  # whose input was it? each job on its own says
                self._run([job])
            return
        self.calls += 1
        self.items += len(items)
        self.jobs += len(batch)
        at = 0
        for job in batch:
            job.result = _part(results, at, len(job.items))
            at += len(job.items)
            job.done.set()


def _part(results, start: int, n: int):
    if isinstance(results, np.ndarray):
        return results[start:start + n].copy()
    return list(results[start:start + n])

"""Cross-request batching (models/batching.py, stance/batcher.py) with the real stance model:
concurrent callers get their own results, the wait is bounded, errors reach
the caller that caused them, and close() finishes what was submitted."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from service.errors import RecoupeError
from service.models.batching import BatchQueue, QueueClosed
from tests.conftest import need_stance_model

PAIRS = [
    ("Kim Kardashian compte 189 millions d'abonnés sur Instagram.", "Kim Kardashian a 189 millions d'abonnés."),
    ("The Eiffel Tower is 330 metres tall.", "La tour Eiffel mesure 330 mètres."),
    ("Paris hosted the 2024 Summer Olympics.", "Les Jeux olympiques de 2024 ont eu lieu à Londres."),
    ("Le chômage a baissé de 0,2 point au troisième trimestre.", "Unemployment rose in the third quarter."),
    ("A short one.", "Something unrelated about football results in Spain last weekend."),
    ("Vaccines were tested on 40,000 volunteers before approval in December.", "The vaccine was never tested."),
]


@pytest.fixture(scope="module")
def stance_int8(config):
    from service.stance.model import StanceModel

    need_stance_model(config)
    return StanceModel.load(config.models_dir, runtime="onnx-int8")


@pytest.fixture(scope="module")
def stance_fp32(config):
    from service.stance.model import StanceModel

    need_stance_model(config)
    return StanceModel.load(config.models_dir, runtime="torch-fp32")


def _concurrently(n: int, work) -> list:
    """work(i) in n threads started together; their results (or exceptions) by i."""
    out: list = [None] * n
    start = threading.Barrier(n)

    def run(i):
        start.wait()
        try:
            out[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - the test reads it
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return out


def _asks(n: int) -> list[list[tuple[str, str]]]:
    # Each caller its own mix of pairs, of different lengths, so that the shared call re-sorts them.
    return [[PAIRS[(i + j) % len(PAIRS)] for j in range(1 + i % 4)] for i in range(n)]


def _alone_and_shared(model, callers: int = 8):
    """Each caller's pairs run on their own, then by concurrent callers sharing one queue."""
    from service.stance.batcher import BatchedStance

    asks = _asks(callers)
    alone = [model.predict(a) for a in asks]
    shared = BatchedStance(model, max_wait_s=0.5, cache_pairs=0)
    try:
        def work(i):
            with shared.request():
                return shared.predict(asks[i])

        got = _concurrently(len(asks), work)
        assert shared.queue.calls < len(asks), "the callers never shared a model call"
    finally:
        shared.close()
    for mine in got:
        assert not isinstance(mine, BaseException), mine
    return alone, got


def test_concurrent_callers_get_the_results_of_their_own_unbatched_calls(stance_fp32):
    # fp32: a pair's logits do not depend on which pairs share its call (int8 quantises activations
    # per call: see the next test).
    alone, got = _alone_and_shared(stance_fp32)
    for mine, expected in zip(got, alone):
        np.testing.assert_allclose(mine, expected, atol=2e-5)


def test_int8_callers_get_exactly_the_results_of_their_own_unbatched_calls(stance_int8):
    # The served runtime: each pair runs on its own (stance/model.py SERVING_BATCH), so sharing a
    # call with other requests changes nothing, to the last bit.
    alone, got = _alone_and_shared(stance_int8)
    for mine, expected in zip(got, alone):
        np.testing.assert_array_equal(mine, expected)


def test_static_int8_callers_share_batches_and_get_their_own_results(config):
    # The int8 graph with fixed activation ranges: concurrent requests' pairs run together in
    # length-bucketed batches, and each caller gets what it gets alone.
    from service.stance.model import StanceModel

    need_stance_model(config)
    if not (config.models_dir / "stance" / "onnx" / "model_int8_static.onnx").is_file():
        pytest.skip("the static int8 runtime is not built: run `recoupe models build-stance`")
    model = StanceModel.load(config.models_dir, runtime="onnx-int8-static")
    assert model.batch_size > 1
    alone, got = _alone_and_shared(model)
    for mine, expected in zip(got, alone):
        np.testing.assert_allclose(mine, expected, atol=1e-3)


def test_concurrent_queries_get_the_vectors_they_get_alone(embedder):
    from service.models.batched_embedder import BatchedEmbedder

    texts = [p[0] for p in PAIRS] + [p[1] for p in PAIRS]
    alone = [embedder.encode_queries([t])[0] for t in texts]
    shared = BatchedEmbedder(embedder, max_wait_s=0.5)
    try:
        def work(i):
            with shared.request():
                return shared.encode_queries([texts[i]])[0]

        got = _concurrently(len(texts), work)
        assert shared.queue.calls < len(texts)
    finally:
        shared.close()
    for mine, expected in zip(got, alone):
        np.testing.assert_array_equal(mine, expected)


def test_a_lone_request_does_not_wait_and_an_absent_one_is_waited_for_at_most_the_bound(stance_int8):
    starts = []

    def timed(pairs):
        starts.append(time.monotonic())
        return stance_int8.predict(pairs)

    bound = 0.3
    queue = BatchQueue(timed, max_wait_s=bound, name="stance")
    try:
        # Nobody else announced: the call starts at once, not after the bound.
        t0 = time.monotonic()
        queue.submit(PAIRS[:2])
        assert starts[-1] - t0 < bound
        # Another request announced but never submits: the call waits for it, then starts by the bound.
        ready, leave = threading.Event(), threading.Event()

        def idle_request():
            with queue.request():
                ready.set()
                leave.wait(30)

        other = threading.Thread(target=idle_request)
        other.start()
        ready.wait(30)
        with queue.request():
            t0 = time.monotonic()
            queue.submit(PAIRS[:2])
        waited = starts[-1] - t0
        leave.set()
        other.join()
        assert bound * 0.9 <= waited < bound + 2.0  # generous: a loaded CI machine schedules late
    finally:
        queue.close()


def test_an_error_reaches_the_caller_that_caused_it_and_only_that_one(stance_int8):
    from service.stance.batcher import BatchedStance

    shared = BatchedStance(stance_int8, max_wait_s=1.0, cache_pairs=0)
    asks = _asks(5)
    asks[2] = [("a premise", 42)]  # not a (str, str) pair: StanceModel.predict raises RecoupeError
    try:
        def work(i):
            with shared.request():
                return shared.predict(asks[i])

        got = _concurrently(len(asks), work)
    finally:
        shared.close()
    assert isinstance(got[2], RecoupeError) and "string pairs" in str(got[2])
    for i in (0, 1, 3, 4):
        assert isinstance(got[i], np.ndarray) and got[i].shape == (len(asks[i]), 3)
        np.testing.assert_allclose(got[i].sum(1), 1.0, atol=1e-5)


def test_close_answers_what_was_submitted_then_refuses(stance_int8):
    gate, started = threading.Event(), threading.Event()

    def held(pairs):  # the first call holds until the test lets it go, so that others queue behind it
        started.set()
        gate.wait(30)
        return stance_int8.predict(pairs)

    queue = BatchQueue(held, max_wait_s=0.0, name="stance")
    results: list = [None] * 3

    def submit(i):
        results[i] = queue.submit(PAIRS[i:i + 2])

    first = threading.Thread(target=submit, args=(0,))
    first.start()
    started.wait(30)
    rest = [threading.Thread(target=submit, args=(i,)) for i in (1, 2)]
    for t in rest:
        t.start()
    while len(queue._pending) < 2:
        time.sleep(0.01)
    closing = threading.Thread(target=queue.close)
    closing.start()
    gate.set()
    for t in [first, *rest, closing]:
        t.join(60)
    for r in results:
        assert isinstance(r, np.ndarray) and r.shape == (2, 3)
    with pytest.raises(QueueClosed):
        queue.submit(PAIRS[:1])


def test_repeated_pairs_are_read_once_and_cached_under_the_model_s_versioned_name(stance_int8):
    from service.stance.batcher import BatchedStance

    shared = BatchedStance(stance_int8, cache_pairs=100)
    try:
        first = shared.predict([PAIRS[0], PAIRS[1], PAIRS[0]])
        assert shared.queue.items == 2  # the duplicate ran once
        np.testing.assert_array_equal(first[0], first[2])
        again = shared.predict([PAIRS[1], PAIRS[0]])
        assert shared.queue.items == 2  # both from the cache
        np.testing.assert_array_equal(again, first[[1, 0]])
        assert "@" in stance_int8.name and all(k[0] == stance_int8.name for k in shared.cache._data)
    finally:
        shared.close()


def test_the_verifier_uses_the_shared_models_and_answers_concurrent_claims(config, models, tmp_path):
    from dataclasses import replace

    from service.verify import load_verifier
    from tests.conftest import SEEDS

    need_stance_model(config)
    cfg = replace(config, data_dir=tmp_path / "data")
    verifier = load_verifier(cfg)
    try:
        verifier.corpus.ingest_paths([SEEDS])
        claims = ["Kim Kardashian a 189 millions d'abonnés sur Instagram", "Paris a accueilli les JO de 2024",
                  "The Eiffel Tower is in Berlin", "Kim Kardashian n'a que 10 millions d'abonnés sur Instagram"]
        calls_before = verifier.stance.queue.calls
        got = _concurrently(len(claims), lambda i: verifier.verify(claims[i]))
        assert all(not isinstance(v, BaseException) for v in got), got
        assert [v.claim for v in got] == claims
        assert verifier.stance.queue.calls - calls_before <= len(claims)
    finally:
        verifier.corpus.close()

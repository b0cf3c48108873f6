"""The stance training data: right labels, held-out parts that never leak into training.

These read the third-party sets in ../shared/data (never copied into the
repository) and skip when that folder is absent.
"""

import random
from pathlib import Path

import pytest

from service.errors import InvalidInput
from service.stance import LABELS
from lab.stance.augment import change_date, change_number, contradict, negate, swap_actors
from lab.stance.probe import PROBE
from tests.conftest import mined_neutrals_missing

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
ENT, NEU, CON = 0, 1, 2

needs_data = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"the stance training data is not in {DATA} (set up ../shared/data to run these)"
)


needs_mined = pytest.mark.skipif(
    mined_neutrals_missing(), reason="the mined neutral pairs are not built: run `recoupe models mine-neutrals`"
)


@pytest.fixture(scope="module")
def sources():
    from lab.stance.data import load_sources

    return load_sources(DATA)


def _find(pairs, hypothesis):
    hits = [p for p in pairs if p.hypothesis == hypothesis]
    assert hits, f"no pair with hypothesis {hypothesis!r}"
    return hits


def test_label_order_is_entailment_neutral_contradiction():
    assert LABELS == ("entailment", "neutral", "contradiction")


@needs_data
def test_snli_rows_keep_their_labels(sources):
    snli = sources["snli"]
    train = snli["train"] + snli["val"]
    p = _find(train, "A person is training his horse for a competition.")[0]
    assert (p.premise, p.label) == ("A person on a horse jumps over a broken down airplane.", NEU)
    assert _find(train, "A person is at a diner, ordering an omelette.")[0].label == CON
    assert _find(train, "A person is outdoors, on a horse.")[0].label == ENT
    assert len(snli["test"]) == 9824


@needs_data
def test_fever_labels_and_cleaned_tokens(sources):
    fever = sources["fever"]["train"] + sources["fever"]["heldout"] + sources["fever"]["symmetric_overlap"]
    p = [q for q in _find(fever, "Fox 2000 Pictures released the film Soul Food.") if q.label != NEU][0]
    assert p.label == ENT
    assert '"Babyface"' in p.premise and "``" not in p.premise
    assert all("-LRB-" not in q.premise and "-RSB-" not in q.premise for q in fever)
    t = [q for q in _find(fever, "Telemundo is a English-language television network.") if q.label != NEU][0]
    assert t.label == CON


@needs_data
def test_xnli_comes_in_four_language_combinations_with_the_same_label(sources):
    x = sources["xnli"]
    assert len(x["heldout"]) == 4 * 990 and len(x["train"]) == 4 * 1500
    rows = [p for p in x["train"] + x["heldout"] if p.hypothesis in ("Il n'a pas dit un mot.", "He didn't say a word.")]
    assert {(p.lang, p.label) for p in rows} == {("fr-fr", CON), ("en-en", CON), ("en-fr", CON), ("fr-en", CON)}
    cross = [p for p in rows if p.lang == "en-fr"][0]
    assert cross.premise == "And he said, Mama, I'm home." and cross.hypothesis == "Il n'a pas dit un mot."


@needs_data
def test_heldout_premises_never_appear_in_training(sources):
    for name in ("xnli", "rte3"):
        train = {p.premise for p in sources[name]["train"]}
        held = {p.premise for p in sources[name]["heldout"]}
        assert held and not train & held, name
    assert len(sources["rte3"]["heldout"]) >= 300
    for name in ("fever", "climate_fever", "covidfact"):
        train = {p.hypothesis for p in sources[name]["train"]}
        held = {p.hypothesis for p in sources[name]["heldout"]}
        assert held and not train & held, name
    # SciFact's official train and dev files share two claim texts; nothing more.
    assert len({p.hypothesis for p in sources["scifact"]["train"]} & {p.hypothesis for p in sources["scifact"]["heldout"]}) <= 2
    snli_test = {(p.premise, p.hypothesis) for p in sources["snli"]["test"]}
    assert not snli_test & {(p.premise, p.hypothesis) for p in sources["snli"]["train"]}


@needs_data
@needs_mined
def test_training_epoch_and_synthetic_pairs_use_no_heldout_text(sources):
    from lab.stance.data import epoch_pairs

    pairs = epoch_pairs(DATA, 0, 13)
    held_premises = {p.premise for s in ("xnli", "rte3") for p in sources[s]["heldout"]}
    held_claims = {p.hypothesis for s in ("fever", "climate_fever", "covidfact") for p in sources[s]["heldout"]}
    assert not {p.premise for p in pairs} & held_premises
    assert not {p.hypothesis for p in pairs} & held_claims
    synthetic = [p for p in pairs if p.source.startswith("synthetic")]
    # The second recipe keeps a small synthetic share (issue: 40% contradictions was too many).
    assert 500 <= len(synthetic) < 0.06 * len(pairs)
    assert {p.lang for p in synthetic} == {"fr-fr", "en-en", "en-fr", "fr-en"}


def test_augmentation_flips_negation_numbers_dates_and_actors():
    rng = random.Random(0)
    assert negate("Elle publiera sur Instagram mercredi.", "fr") == "Elle ne publiera pas sur Instagram mercredi."
    assert negate("Il ne publiera pas sur Instagram.", "fr") == "Il publiera sur Instagram."
    assert negate("She will post on Instagram.", "en") == "She will not post on Instagram."
    assert "188" not in change_number("Elle compte 188 millions d'abonnés.", "fr", rng)
    assert "mercredi" not in change_date("Le boycott a lieu mercredi.", "fr", rng)
    assert swap_actors("Barack Obama defeated John McCain in 2008.") == "John McCain defeated Barack Obama in 2008."
    # A detail changed under a negation is no contradiction: only the negation is removed.
    assert contradict("He did not win in 2016.", "en", rng) == ("He did win in 2016.", "negation")


def test_probe_has_enough_pairs_of_each_kind_and_none_from_the_seed_articles():
    contradictions = [p for p in PROBE if p[2] == CON]
    assert len(PROBE) >= 40 and len(contradictions) >= 30
    assert {p[3] for p in contradictions} == {"fr-fr", "en-en", "fr-en", "en-fr"}
    assert {"negation", "number", "date", "swap"} <= {p[4] for p in contradictions}
    seeds = " ".join(f.read_text(encoding="utf-8") for f in SEEDS.glob("*.txt"))
    for premise, hypothesis, *_ in PROBE:
        assert premise not in seeds and hypothesis not in seeds


@needs_data
def test_translated_mnli_is_glued_back_and_comes_in_four_language_combinations(sources):
    from lab.stance.sources_french import detokenize

    assert detokenize("L' écrémage conceptuel a deux dimensions : le produit et la géographie .", "fr") == (
        "L'écrémage conceptuel a deux dimensions : le produit et la géographie.")
    assert detokenize("my walkman broke so i 'm upset , they 're here", "en") == "my walkman broke so i'm upset, they're here"
    x = sources["xnli_mt"]
    assert {p.lang for p in x["train"]} == {"fr-fr", "en-en", "en-fr", "fr-en"}
    assert not any(" ." in p.premise[-3:] or "L' " in p.premise for p in x["train"] if p.lang == "fr-fr")
    held = {p.premise for p in x["heldout"]}
    assert held and not held & {p.premise for p in x["train"]}


@needs_data
def test_sick_fr_test_and_fracas_are_held_out_and_fever_fr_is_cleaned(sources):
    sick = sources["sick_fr"]
    assert len(sick["heldout"]) == 4 * 4906
    assert not {(p.premise, p.hypothesis) for p in sick["heldout"]} & {(p.premise, p.hypothesis) for p in sick["train"]}
    fever_fr = sources["fever_fr"]["train"] + sources["fever_fr"]["heldout"]
    assert fever_fr and not any("\u2581" in p.premise + p.hypothesis or "(suite)" in p.premise for p in fever_fr)
    fracas = sources["fracas_fr"]
    assert fracas["heldout"] and not {p.premise for p in fracas["heldout"]} & {p.premise for p in fracas["train"]}
    assert not any("\\'" in p.premise for p in fracas["train"])


@needs_data
def test_fever_pairs_that_fever_symmetric_is_built_from_never_train(sources):
    import re

    from lab.stance.sources_english import fever_symmetric_texts

    norm = lambda s: re.sub(r"\W+", " ", s.lower()).strip()  # noqa: E731
    symmetric = fever_symmetric_texts(DATA)
    assert len(sources["fever_symmetric"]["heldout"]) == 712
    assert sources["fever"]["symmetric_overlap"]
    for p in sources["fever"]["train"]:
        if p.label != NEU:
            assert norm(p.hypothesis) not in symmetric and norm(p.premise) not in symmetric


@needs_data
def test_same_topic_sources_hold_out_whole_pages_claims_and_bodies(sources):
    fm2, wice = sources["fm2"], sources["wice"]
    train_claims = {p.hypothesis for p in fm2["train"]}
    assert fm2["heldout_neutral"] and not {p.hypothesis for p in fm2["heldout_neutral"] + fm2["heldout"]} & train_claims
    assert {p.label for p in fm2["heldout_neutral"]} == {NEU}
    assert not {p.hypothesis for p in wice["heldout_neutral"]} & {p.hypothesis for p in wice["train"]}
    hv = sources["healthver"]
    assert {p.label for p in hv["heldout"]} == {ENT, NEU, CON}
    assert not {p.hypothesis for p in hv["heldout"]} & {p.hypothesis for p in hv["train"]}
    for name in ("lingnli", "taxinli", "anli", "cad_snli", "fnc1"):
        train = {(p.premise, p.hypothesis) for p in sources[name]["train"]}
        held = {(p.premise, p.hypothesis) for p in sources[name]["heldout"]}
        assert held and len(held & train) <= 0.01 * len(held), name


@needs_data
@needs_mined
def test_the_second_mix_is_french_first_with_few_contradictions(sources):
    from collections import Counter

    from lab.stance.data import epoch_pairs

    pairs = epoch_pairs(DATA, 0, 17)
    french = sum("fr" in p.lang for p in pairs) / len(pairs)
    labels = Counter(p.label for p in pairs)
    snli = sum(p.source == "snli" for p in pairs) / len(pairs)
    assert french > 0.3 and snli < 0.1
    assert labels[CON] / len(pairs) < 0.33 and labels[NEU] / len(pairs) > 0.3
    held_neutral = {(p.premise, p.hypothesis) for s in ("fm2", "wice") for p in sources[s]["heldout_neutral"]}
    assert not {(p.premise, p.hypothesis) for p in pairs} & held_neutral


@needs_data
@needs_mined
def test_the_french_mix_adds_translated_mnli_and_sick_fr_to_the_second_mix(sources):
    from collections import Counter

    from lab.stance.data import epoch_pairs

    v2, french = epoch_pairs(DATA, 0, 17), epoch_pairs(DATA, 0, 17, "french")
    by_v2, by_french = Counter(p.source for p in v2), Counter(p.source for p in french)
    assert (by_french["xnli_mt"], by_french["sick_fr"]) == (8_000, 2_000)
    assert {s: n for s, n in by_french.items() if s not in ("xnli_mt", "sick_fr")} == \
           {s: n for s, n in by_v2.items() if s not in ("xnli_mt", "sick_fr")}
    assert sum("fr" in p.lang for p in french) / len(french) > sum("fr" in p.lang for p in v2) / len(v2)
    with pytest.raises(InvalidInput, match="unknown training mix"):
        epoch_pairs(DATA, 0, 17, "v9")


@needs_data
@needs_mined
def test_the_french_topic_mix_draws_more_same_topic_neutrals_than_the_french_mix(sources):
    from collections import Counter

    from lab.stance.data import epoch_pairs

    french, topic = epoch_pairs(DATA, 0, 17, "french"), epoch_pairs(DATA, 0, 17, "french_topic")
    by_source = Counter("mined" if p.source.startswith("mined-") else p.source for p in topic)
    assert (by_source["fm2"], by_source["wice"], by_source["mined"]) == (2_000, 1_200, 1_200)
    assert by_source["xnli_mt"] == 8_000
    share = lambda pairs: sum(p.label == NEU for p in pairs) / len(pairs)  # noqa: E731
    assert share(topic) > share(french) + 0.03
    # the second epoch draws other windows of the pools, not the same pairs again
    again = epoch_pairs(DATA, 1, 17, "french_topic")
    fm2 = lambda pairs: {(p.premise, p.hypothesis) for p in pairs if p.source == "fm2"}  # noqa: E731
    assert len(fm2(topic) & fm2(again)) < 0.2 * len(fm2(topic))


@needs_data
@needs_mined
def test_the_long_run_mix_weights_every_source_instead_of_cutting_it(sources):
    from collections import Counter

    from lab.stance.data import MIX_V3, draw_size, epoch_pairs

    first, second = epoch_pairs(DATA, 0, 17, "v3"), epoch_pairs(DATA, 1, 17, "v3")
    by_source = Counter("mined" if p.source.startswith("mined-") else
                        "fnc1" if p.source.startswith("fnc1-") else
                        "synthetic" if p.source.startswith("synthetic") else p.source for p in first)
    for name, weight in MIX_V3.items():
        if name in sources:
            assert by_source[name] == draw_size(weight, len(sources[name]["train"])), name
    # sources weighted 1.0 come whole every epoch; the others rotate, so that four epochs see nearly all
    assert by_source["xnli"] == len(sources["xnli"]["train"]) == 6_000
    assert by_source["rte3"] == len(sources["rte3"]["train"])
    pairs = lambda ps, src: {(p.premise, p.hypothesis) for p in ps if p.source == src}  # noqa: E731
    whole = {(p.premise, p.hypothesis) for p in sources["xnli_mt"]["train"]}
    assert pairs(first, "xnli_mt") | pairs(second, "xnli_mt") == whole  # drawn at 0.6: two epochs see it all
    # about 100k pairs an epoch, a third or more with a French side, no label under a quarter
    assert 95_000 < len(first) < 120_000
    assert sum("fr" in p.lang for p in first) / len(first) > 0.33
    labels = Counter(p.label for p in first)
    assert min(labels.values()) / len(first) > 0.25
    assert by_source["snli"] / len(first) < 0.07  # SNLI a minority
    # nothing held out trains: no held-out XNLI-fr premise, RTE3-FR pair or SICK TEST pair in the epoch
    trained = {(p.premise, p.hypothesis) for p in first + second}
    for name in ("xnli", "rte3", "sick_fr", "fever_fr", "anli", "healthver"):
        assert not trained & {(p.premise, p.hypothesis) for p in sources[name]["heldout"]}, name


def test_a_candidate_replaces_the_shipped_model_only_when_the_held_out_table_says_so():
    from lab.stance.evaluate import beats

    def metrics(xnli, sick, refutes, snli):
        return {"sets": {"xnli_fr": {"accuracy": xnli}, "sick_fr_test": {"accuracy": sick},
                         "fm2_neutral": {"refutes_rate": refutes}, "snli_test": {"accuracy": snli}}}

    shipped = metrics(0.65, 0.70, 0.27, 0.82)
    assert beats(shipped, metrics(0.72, 0.80, 0.05, 0.815))[0]  # SNLI half a point down: allowed
    assert not beats(shipped, metrics(0.72, 0.80, 0.05, 0.78))[0]  # SNLI four points down
    assert not beats(shipped, metrics(0.66, 0.69, 0.28, 0.83))[0]  # better on only 2 of 4
    assert "fm2" not in beats(shipped, metrics(0.72, 0.80, 0.05, 0.83))[1].lower()
    assert beats(shipped, metrics(0.72, 0.80, 0.05, 0.81))[0]  # exactly one point down: allowed
    assert not beats(shipped, metrics(0.72, 0.80, 0.05, 0.8099))[0]  # just over one point
    assert beats(metrics(0.6667, 0.70, 0.27, 0.82), metrics(0.6567, 0.80, 0.05, 0.83))[0]  # 0.6667 - 0.6567

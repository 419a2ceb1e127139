"""The damage simulator reproduces shared/notes/gbk-damage.md byte for byte; repair undoes what its bytes determine."""

import pytest

from jianghua.text import repair
from jianghua.testing.accuracy import repair_accuracy
from jianghua.text.charmodel import CharModel
from jianghua.testing.damage import annotate_bytes, annotation_table, intended, lossy_decode, simulate
from jianghua.testing.sample import clean_traditional_documents

# (clean Traditional text, as the sites published it) — the mechanisms of the notes, on our own phrases
NOTES_CASES = [
    ("從我帶頭做起", "從我?guī)ь^做起"),          # 我帶頭: D2 8E spells 規
    ("推動東北振興", "推動?xùn)|北振興"),        # 動東: D3 96 spells 訓
    ("我們全面理解", "我們?nèi)胬斫?"),         # 們全: 83 C8 spells 內, a user-defined pair is dropped
    ("嚴重損害了", "嚴(yán)重?fù)p害了"),
    ("畢業生。現在，我們", "畢業(yè)生?,F(xiàn)在,我們"),  # 。現: A3 AC spells ，
]

# the corpus's annotation table, as the survey finds it in text the simulator damaged
ANNOTATED = repair.Annotated(annotation_table().items())


@pytest.mark.parametrize("clean, published", NOTES_CASES)
def test_simulator_reproduces_the_mechanism(clean, published):
    assert simulate(clean) == published


def test_aligned_annotations_are_what_the_sites_meant():
    assert intended("發展實體，現在") == "發(fā)展實(shí)體,現(xiàn)在"
    assert annotate_bytes("發".encode("gbk"), annotation_table()) == "發(fā)".encode("gbk")


def test_lossy_decode_swallows_the_paren_and_drops_user_defined_pairs():
    assert lossy_decode(b"\xce\xd2\x8e(gu\xa8\xa9)") == "我?guī)"
    assert lossy_decode(b"\xab\xc3\xb5\xc4") == "的"


@pytest.fixture(scope="module")
def model():
    return CharModel(["畢業生。現在，我們要。加強。總的來看。" * 20])


@pytest.mark.parametrize("clean", ["從我帶頭做起", "推動東北振興", "嚴重損害了", "畢業生。現在，我們"])
def test_determined_damage_is_repaired_exactly(clean, model):
    damaged = simulate(clean)
    fixed, rows = repair.apply(damaged, repair.find_repairs(damaged, model, 2.0, ANNOTATED))
    assert fixed == intended(clean)
    assert all(r["status"] == "repaired" for r in rows)
    assert [(r["before"], r["after"]) for r in rows][0][0].startswith("?")


def test_undetermined_damage_is_flagged_and_kept(model):
    damaged = simulate("我們全面理解")  # the run lost a dropped pair: its bytes do not determine it
    fixed, rows = repair.apply(damaged, repair.find_repairs(damaged, model, 2.0, ANNOTATED))
    assert fixed == damaged
    assert rows and all(r["status"] == "flagged" and r["before"] == r["after"] for r in rows)
    assert rows[0]["score"] is None and rows[0]["reason"]


def test_repair_changes_nothing_outside_damaged_spans(model):
    clean = "要堅持穩中求進。從我帶頭做起，推動東北振興，確保落到實處。"
    damaged = simulate(clean)
    fixed, rows = repair.apply(damaged, repair.find_repairs(damaged, model, 2.0, ANNOTATED))
    assert fixed == intended(clean)
    rebuilt, cursor = [], 0
    for r in rows:  # putting every span's "before" back yields the damaged text: nothing else changed
        rebuilt += [fixed[cursor:r["out_start"]], r["before"]]
        cursor = r["out_end"]
    assert "".join(rebuilt) + fixed[cursor:] == damaged
    for r in rows:
        assert fixed[r["out_start"]:r["out_end"]] == r["after"]
        assert damaged[r["start"]:r["end"]] == r["before"]


def test_real_question_marks_are_not_damage(model):
    text = "我們向先進地區學習什么?\n差距在哪裡?"
    assert repair.find_repairs(text, model, 2.0, ANNOTATED) == []


def test_question_mark_between_han_is_flagged(model):
    rows = repair.find_repairs("加強?領導", model, 2.0, ANNOTATED)
    assert [(r.mechanism, r.status) for r in rows] == [("unexplained", "flagged")]


@pytest.fixture(scope="module")
def unseen():
    # documents from a seed the sample corpus does not use; the model sees only the damaged text
    return clean_traditional_documents(4242, 30)


def test_closing_quote_matches_the_open_one(unseen):
    model = CharModel(simulate(t) for t in unseen)  # as in a shard: counts from the damaged text itself
    # 保” = B1 A3 A1 B1: A3 A1 spells ！, so both the character before and the quote lose a byte
    damaged = simulate("堅持“兩個確保”，即確保安全")
    assert repair.apply(damaged, repair.find_repairs(damaged, model, 2.0, ANNOTATED))[0] == intended("堅持“兩個確保”，即確保安全")
    # after a single quote, ’ and not ” would close it: never the wrong mark, at worst flagged
    damaged = simulate("堅持‘兩個確保’，即確保安全")
    assert repair.apply(damaged, repair.find_repairs(damaged, model, 2.0, ANNOTATED))[0] in (
        intended("堅持‘兩個確保’，即確保安全"), damaged)


def test_pairs_the_decoder_dropped_are_put_back(unseen):
    pairs = [(intended(t), simulate(t)) for t in unseen]
    model = CharModel(damaged for _, damaged in pairs)
    restored = [(r, want) for want, damaged in pairs for r in repair.find_repairs(damaged, model, 2.0, ANNOTATED)
                if "restored" in r.reason]
    assert len(restored) >= 10
    assert all(r.after.rstrip("(") in want for r, want in restored)
    # 要全面 (D2 AA C8 AB C3 E6) read one byte late gives AA C8 and AB C3: two pairs dropped, one character lost
    assert any("要全面" in r.after for r, _ in restored)


def test_a_plain_reading_with_a_rare_pair_can_beat_every_restoration():
    # 敢首創: 敢首 is rare enough to suggest a dropped pair, but each restoration reads worse, at its prior
    # (the phrase comes out damaged this way first in the 100 documents of this seed)
    pairs = [(intended(t), simulate(t)) for t in clean_traditional_documents(4242, 100)]
    model = CharModel(damaged for _, damaged in pairs)
    beaten = [(r, want) for want, damaged in pairs for r in repair.find_repairs(damaged, model, 2.0, ANNOTATED)
              if "beat every restoration" in r.reason]
    assert beaten and all(r.status == "repaired" and r.after.rstrip("(") in want for r, want in beaten)


def test_simulated_damage_of_unseen_text(unseen):
    result = repair_accuracy(unseen, 2.0)
    assert result["damaged_spans"] > 300
    assert result["changed_outside"] == 0 and result["wrong_repairs"] == 0
    assert result["exact"] >= 0.95  # the rest is flagged, never guessed


def test_the_simulators_table_has_one_reading_per_character():
    table = annotation_table()
    assert 80 <= len(table) <= 90 and list(table) == sorted(table)
    assert all(len(char) == 1 and reading.isalpha() for char, reading in table.items())


def test_repairs_do_not_depend_on_which_texts_share_a_shard(unseen):
    # the model adapts to the survey's damage_context of the whole corpus, so a shard of one text repairs it as
    # a shard of all of them does
    import polars as pl

    from jianghua.stages.normalize import normalize_frame
    from jianghua.stages.survey import survey

    decoded = pl.DataFrame({"source_id": [f"s{i:02d}" for i in range(len(unseen))],
                            "text": [simulate(t) for t in unseen]})
    shards = [decoded[i::4] for i in range(4)]
    # a file that two shards find (a copy at another path) counts once
    found_twice = [shards[0], pl.concat([shards[1], decoded[:1]]), *shards[2:]]
    corpus = survey(iter([{"decoded": shard} for shard in found_twice]), 3, 0.1, [])
    assert corpus["damage_context"].height > 0
    assert corpus["damage_context"].equals(survey(iter([{"decoded": decoded}]), 3, 0.1, [])["damage_context"])

    def normalized(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
        return normalize_frame(frame, corpus["annotations"], corpus["boilerplate_lines"], corpus["damage_context"],
                               "×", 2.0)

    whole = normalized(decoded)
    apart = [normalized(shard) for shard in [*shards, decoded[:1], decoded[-2:]]]
    for table in ("repairs", "normalized"):
        keys = ["source_id", "start"] if table == "repairs" else ["source_id"]
        split = pl.concat([frames[table] for frames in apart[:4]]).sort(keys)
        assert split.equals(whole[table].sort(keys)), table
        for frames in apart[4:]:
            ids = frames[table]["source_id"].unique().implode()
            assert frames[table].sort(keys).equals(whole[table].filter(pl.col("source_id").is_in(ids)).sort(keys))
    assert whole["repairs"].filter(pl.col("status") == "repaired").height > 100

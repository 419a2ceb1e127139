"""The damage simulator reproduces shared/notes/gbk-damage.md byte for byte; repair undoes what its bytes determine
with the fixed character model, and flags what they do not (never a guess)."""

import math
import random

import numpy as np
import pytest

from jianghua.testing.accuracy import repair_accuracy
from jianghua.testing.damage import annotate_bytes, annotation_table, intended, lossy_decode, punctuation_pass, \
    simulate, sites_decode
from jianghua.testing.sample import clean_traditional_documents
from jianghua.text import lattice, repair
from jianghua.text.charmodel import default_model

# (clean Traditional text, as the sites published it): the mechanisms of the notes, on our own phrases
NOTES_CASES = [
    ("從我帶頭做起", "從我?guī)ь^做起"),          # 我帶頭: D2 8E spells 規
    ("推動東北振興", "推動?xùn)|北振興"),        # 動東: D3 96 spells 訓
    ("我們全面理解", "我們?nèi)胬斫?"),         # 們全: 83 C8 spells 內, a user-defined pair is dropped
    ("嚴重損害了", "嚴(yán)重?fù)p害了"),
    ("畢業生。現在，我們", "畢業(yè)生?,F(xiàn)在,我們"),  # 。現: A3 AC spells ，
]

# the corpus's annotation table, as the survey finds it in text the simulator damaged
ANNOTATED = repair.Annotated(annotation_table().items())
THRESHOLD = 0.9


def fix(damaged: str, annotated: repair.Annotated = ANNOTATED) -> tuple[str, list[dict]]:
    return repair.apply(damaged, repair.find_repairs(damaged, annotated, THRESHOLD))


@pytest.mark.parametrize("clean, published", NOTES_CASES)
def test_simulator_reproduces_the_mechanism(clean, published):
    assert simulate(clean) == published


def test_aligned_annotations_are_what_the_sites_meant():
    assert intended("發展實體，現在") == "發(fā)展實(shí)體,現(xiàn)在"
    assert annotate_bytes("發".encode("gbk"), annotation_table()) == "發(fā)".encode("gbk")


def test_lossy_decode_swallows_the_paren_and_drops_user_defined_pairs():
    assert lossy_decode(b"\xce\xd2\x8e(gu\xa8\xa9)") == "我?guī)"
    assert lossy_decode(b"\xab\xc3\xb5\xc4") == "的"


def test_simulator_agrees_with_pythons_codec():
    # the simulator's byte mechanics against Python's own lossy GBK decode (with the sites' two departures as
    # an error handler), on damaged text and on random bytes
    rng = random.Random(7)
    for text in clean_traditional_documents(4242, 5):
        data = punctuation_pass(annotate_bytes(text.encode("gbk"), annotation_table()))
        assert lossy_decode(data) == sites_decode(data)
    for _ in range(300):
        data = bytes(rng.choice([rng.randrange(0x81, 0xFF), rng.randrange(0x20, 0x80), 0x28])
                     for _ in range(rng.randrange(1, 30)))
        assert lossy_decode(data) == sites_decode(data), data


@pytest.mark.parametrize("clean", ["從我帶頭做起", "推動東北振興", "嚴重損害了", "畢業生。現在，我們"])
def test_determined_damage_is_repaired_exactly(clean):
    fixed, rows = fix(simulate(clean))
    assert fixed == intended(clean)
    assert rows and all(r["status"] == "repaired" and r["before"].startswith("?") for r in rows)


def test_repair_changes_nothing_outside_damaged_spans():
    clean = "要堅持穩中求進。從我帶頭做起，推動東北振興，確保落到實處。"
    damaged = simulate(clean)
    fixed, rows = fix(damaged)
    assert fixed == intended(clean)
    rebuilt, cursor = [], 0
    for r in rows:  # putting every span's "before" back yields the damaged text: nothing else changed
        rebuilt += [fixed[cursor:r["out_start"]], r["before"]]
        cursor = r["out_end"]
    assert "".join(rebuilt) + fixed[cursor:] == damaged
    for r in rows:
        assert fixed[r["out_start"]:r["out_end"]] == r["after"]
        assert damaged[r["start"]:r["end"]] == r["before"]


def test_real_question_marks_are_not_damage():
    assert repair.find_repairs("我們向先進地區學習什么?\n差距在哪裡?", ANNOTATED, THRESHOLD) == []


def test_question_mark_between_han_is_flagged():
    rows = repair.find_repairs("加強?領導", ANNOTATED, THRESHOLD)
    assert [(r.mechanism, r.status) for r in rows] == [("unexplained", "flagged")]


def test_a_sign_the_site_meant_before_an_annotated_character_is_kept():
    # the sites wrote , for ，: an ASCII sign between Han characters is the common case, and the annotation after
    # it is no sign of damage
    assert repair.find_repairs("要加強監督,嚴(yán)格問責,確保落實", ANNOTATED, THRESHOLD) == []


def test_the_character_after_the_run_chooses_its_last_character():
    # 要勝: D2 AA 84 D9, AA 84 spells 獎; FB E9 (利閉) is user-defined and dropped; 閉 = E9 5D leaves "]"
    table = {"獎": "jiǎng"}
    damaged = simulate("大會就要勝利閉幕了。", table)
    assert "]" in damaged
    fixed, rows = fix(damaged, repair.Annotated(table.items()))
    assert fixed in (intended("大會就要勝利閉幕了。", table), damaged)  # right or flagged, never 註幕
    assert "註" not in fixed


def test_a_lost_trail_byte_before_a_line_break():
    # 志。” = D6 BE A1 A3 A1 B1: A3 A1 spells ！; B1 before the line break cannot be read and becomes ?
    clean = "他說：“我們都是同志。”\n大家鼓掌。"
    damaged = simulate(clean)
    assert "?!?\n" in damaged
    fixed, rows = fix(damaged)
    assert fixed in (intended(clean), damaged)
    assert rows and rows[0]["mechanism"] == "punctuation-pass"


def test_closing_quote_matches_the_open_one():
    # 保” = B1 A3 A1 B1: A3 A1 spells ！, so both the character before and the quote lose a byte
    fixed, _ = fix(simulate("堅持“兩個確保”，即確保安全"))
    assert fixed in (intended("堅持“兩個確保”，即確保安全"), simulate("堅持“兩個確保”，即確保安全"))
    # after a single quote, ’ and not ” would close it: never the wrong mark, at worst flagged
    damaged = simulate("堅持‘兩個確保’，即確保安全")
    assert fix(damaged)[0] in (intended("堅持‘兩個確保’，即確保安全"), damaged)


def test_simulated_damage_of_unseen_generated_text():
    pairs = [(intended(t), simulate(t)) for t in clean_traditional_documents(4242, 12)]
    result = repair_accuracy(pairs, ANNOTATED, THRESHOLD)
    assert result["damaged_spans"] > 50
    assert result["changed_outside"] == 0
    assert result.get("wrong", 0) <= 0.01 * result["damaged_spans"]
    assert result.get("exact", 0) >= 0.7 * result["damaged_spans"]


def test_the_simulators_table_has_one_reading_per_character():
    table = annotation_table()
    assert 80 <= len(table) <= 90 and list(table) == sorted(table)
    assert all(len(char) == 1 and reading.isalpha() for char, reading in table.items())


def test_repairs_do_not_depend_on_which_texts_share_a_shard():
    # the character model is fixed and the annotation table the survey's, so a shard of one text repairs it as a
    # shard of all of them does
    import polars as pl

    from jianghua.stages.normalize import normalize_frame
    from jianghua.stages.survey import survey

    unseen = clean_traditional_documents(4242, 30)  # a seed the sample corpus does not use
    decoded = pl.DataFrame({"source_id": [f"s{i:02d}" for i in range(len(unseen))],
                            "text": [simulate(t) for t in unseen]})
    shards = [decoded[i::4] for i in range(4)]
    # a file that two shards find (a copy at another path) counts once
    found_twice = [shards[0], pl.concat([shards[1], decoded[:1]]), *shards[2:]]
    corpus = survey([{"decoded": shard} for shard in found_twice], 3, 0.1, [])
    pairs = ["char", "reading"]  # what normalize reads of the table
    assert corpus["annotations"].select(pairs).equals(survey([{"decoded": decoded}], 3, 0.1, [])["annotations"]
                                                      .select(pairs))

    def normalized(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
        return normalize_frame(frame, corpus["annotations"], corpus["boilerplate_lines"], "×", 0.9)

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


def test_a_question_mark_closing_a_question_is_no_damage():
    # the text holds explained damage, so an unexplained ? between Han characters is suspect, unless it asks
    damaged = simulate("從我帶頭做起。") + "今年重点抓哪些工作?怎样落实?我们必须回答。會上?議定"
    rows = repair.find_repairs(damaged, ANNOTATED, THRESHOLD)
    unexplained = [damaged[r.start - 2:r.end] for r in rows if r.mechanism == "unexplained"]
    assert unexplained == ["會上?"]


@pytest.mark.parametrize("damaged, repaired", [
    ("大会于2019623日召开", "大会于2019年6月23日召开"),      # 年 and 月 gone: 6|23 is the only month|day
    ("2019年623日", "2019年6月23日"),                           # 月 gone
    ("20196月23日", "2019年6月23日"),                           # 年 gone
    ("2019年6月23日召开", "2019年6月23日召开"),                 # a whole date
    ("编号20191299日", "编号20191299日"),                       # 12|99, 1|299: no day fits, no date
])
def test_a_date_that_lost_its_units_gets_them_back_where_its_digits_split_one_way(damaged, repaired):
    assert fix(damaged)[0] == repaired


def test_a_date_whose_digits_split_two_ways_is_flagged():
    text, rows = fix("2019112日")  # 1月12日 or 11月2日
    assert text == "2019112日"
    assert [(r["mechanism"], r["status"]) for r in rows] == [("lost-date-units", "flagged")]


def test_a_lone_apostrophe_between_han_characters_is_residue_but_a_quoted_word_is_not():
    assert fix("这就是它的'意义所在")[0] == "这就是它的意义所在"
    assert fix("他说'好'和'坏'都要讲")[1] == []  # half-width quotes come in pairs: punctuation's job
    assert fix("Xi'an 的发展")[1] == []  # between Latin letters: a pinyin syllable break


def test_the_character_before_its_own_annotation_is_one_the_corpus_annotates():
    # after the straddled 內, the run's last character is annotated chuàng: of pypinyin's characters with
    # that reading only those the corpus annotates stand there (the sites annotate only their list)
    with_creation = repair.Annotated([("內", "nèi"), ("創", "chuàng")])
    rows = repair.find_repairs("我們?nèi)?chuàng)造", with_creation, 0.0)
    assert rows[0].after.endswith("創(")
    assert repair._annotated_first(("愴", "創", "闖"), "chuàng", with_creation) == ("創",)
    assert repair._annotated_first(("愴", "闖"), "chuàng", with_creation) == ("愴", "闖")


def _plain_step(cur, best, total, logp, gain, prior, options, margin, max_states):
    """A lattice step as the trellis defines it, in plain Python: entries in entry order, merged per (last
    character, option) with the first best entry and the log-sum of totals in entry order."""
    width = len(options)
    entries = [(s * width + o, (int(cur[s]), int(options[o])), float(best[s]) + float(logp[s, o]) + float(gain[o]) + prior,
                float(total[s]) + float(logp[s, o]) + float(gain[o]) + prior)
               for s in range(len(cur)) for o in range(width)]
    groups: dict = {}
    for entry in entries:
        groups.setdefault(entry[1], []).append(entry)
    if len(groups) == len(entries):
        merged = [(e, b, t) for e, _, b, t in entries]
    else:
        merged = []
        for key in sorted(groups):
            members = groups[key]
            first = max(members, key=lambda m: m[2])  # the first of equal maxima
            top = max(m[3] for m in members)
            weight = 0.0
            for m in members:
                weight += math.exp(m[3] - top)
            merged.append((first[0], first[2], top + math.log(weight)))
    heaviest = max(t for _, _, t in merged)
    kept = [m for m in merged if m[2] >= heaviest - margin]
    if len(kept) > max_states:
        kept = sorted(kept, key=lambda m: -m[2])[:max_states]
    return [e // width for e, _, _ in kept], [e % width for e, _, _ in kept], [b for _, b, _ in kept], [t for *_, t in kept]


def test_the_compiled_lattice_step_is_the_plain_step_bit_for_bit():
    """The compiled step (distinct options or not, states sharing a last character or not, ties, more states
    than are kept, groups too light to sum) gives exactly the plain step's states and values: the published
    repair scores must not move by one ulp."""
    rng = np.random.default_rng(7)
    chars = np.array([ord(c) for c in "的一是在不了有和人这中大为上个国我以要他时来用们生到作地"], np.int64)
    cases = [(1, 5, False), (7, 40, False), (200, 40, False), (33, 1, False), (60, 12, True), (40, 30, False),
             (5, 8, True)]
    for (states, width, repeats), ties in ((case, ties) for case in cases for ties in (False, True)):
        options = rng.choice(np.arange(0x4E00, 0x9FA5), width, replace=repeats).astype(np.int64)
        cur = rng.choice(chars[:max(1, states // 3)], states) if states > 7 else rng.choice(chars, states, replace=False)
        best = rng.normal(size=states) * 5
        total = best + rng.random(states)
        logp = rng.normal(size=(states, width)) * 4 - 8
        if ties:
            best, logp = np.round(best), np.round(logp)
        gain = np.where(rng.random(width) < 0.3, -3.0, 0.0)
        for margin, kept in ((15.0, 32), (3.0, 4), (1e9, 1000)):
            came, option, new_best, new_total = lattice.advance(cur, best, total, logp, gain, 0.5, options, margin,
                                                                kept)
            expected = _plain_step(cur, best, total, logp, gain, 0.5, options, margin, kept)
            assert came.tolist() == expected[0] and option.tolist() == expected[1]
            assert new_best.tolist() == expected[2] and new_total.tolist() == expected[3]  # floats compared exactly


def test_model_rows_kept_across_lattices_are_the_model_s_values():
    rng = np.random.default_rng(7)
    chars = np.array([ord(c) for c in "的一是在不了有和人这中大为上个国我以要他时来用们生到作地"], np.int64)
    for states, width in ((1, 5), (7, 40), (200, 40), (33, 1)):
        position = repair.Options(chr(c) for c in rng.choice(np.arange(0x4E00, 0x9FA5), width, replace=False))
        cur = rng.choice(chars[:max(1, states // 3)], states)
        prev = np.where(rng.random(states) < 0.2, -1, rng.choice(chars, states))
        codes = repair._codes(position)
        shape = (states, width)
        direct = default_model().logp3_array(np.broadcast_to(prev[:, None], shape), np.broadcast_to(cur[:, None], shape),
                                             np.broadcast_to(codes[None, :], shape))
        for _ in range(2):  # computed, then kept
            assert np.array_equal(repair._ROWS.rows(prev, cur, position).view(np.int64), direct.view(np.int64))
        # kept states among unseen ones (each unseen cur is past every kept one): the kept rows and the fresh
        unseen, kept = np.full(3, ord("民"), np.int64), min(2, states)
        both = np.concatenate((prev[:kept], unseen)), np.concatenate((cur[:kept], unseen))
        both_shape = (both[0].size, width)
        fresh = default_model().logp3_array(*(np.broadcast_to(a[:, None], both_shape) for a in both),
                                            np.broadcast_to(codes[None, :], both_shape))
        assert np.array_equal(repair._ROWS.rows(*both, position).view(np.int64), fresh.view(np.int64))
        assert np.array_equal(repair._ROWS.rows(*both, position)[:kept].view(np.int64), direct[:kept].view(np.int64))


def test_the_model_scores_no_characters_and_one_alike_whatever_the_array_shape():
    """A text of ASCII only asks the model about no characters: empty arrays in, empty arrays out."""
    model = default_model()
    empty = np.zeros(0, np.int64)
    assert model.logp_array(empty, empty).shape == (0,)
    assert model.logp3_array(*(np.zeros((0, 4), np.int64),) * 3).shape == (0, 4)
    pair = np.array([ord("人")]), np.array([ord("民")])
    assert model.logp_array(*pair)[0] == model.logp_array(*(np.tile(p, (2, 3)) for p in pair))[1, 2] < 0


def test_texts_are_scored_together_as_each_alone_term_by_term():
    """``texts_logp`` of many texts: each the sum, one term after another, of its pairs' log-probabilities (and
    its first character's unigram where nothing is before it), whatever the other texts."""
    model = default_model()
    texts, befores = ["人民", "民主发展", "", "改", "坚持改革开放"], ["", "，", "", "要", "的"]
    expected = []
    for text, before in zip(texts, befores):
        chars = np.array([ord(c) for c in before + text], np.int64)
        total = 0.0
        for term in model.logp_array(chars[:-1], chars[1:]).tolist():
            total += term
        expected.append(total + model.unigram_logp((before + text)[0]) if chars.size and not before else total)
    assert model.texts_logp(texts, befores).tolist() == expected
    assert model.texts_logp(texts[1:2], befores[1:2]).tolist() == expected[1:2]
    assert model.text_logp("") == 0.0 and model.texts_logp([], []).shape == (0,)

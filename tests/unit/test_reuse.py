"""Near-duplicates and shared passages: the folding and MinHash kernels, the clusters and passages of small
speeches of our own with exact values, and the same output for any number of shards."""

import random

import numpy as np
import polars as pl
import pytest

from jianghua import registry, runner, tables
from jianghua.config import load_config
from jianghua.inputs import shard_of
from jianghua.stages import reuse
from jianghua.stages.segment import segment_frame
from jianghua.testing.sample import to_traditional, write_corpus
from jianghua.text import minhash

from conftest import normalize_texts

SETTINGS = reuse.ReuseConfig.of(runner.Settings.of(load_config(), "reuse"))


# ---- kernels ----------------------------------------------------------------------------------------------

def test_fold_keeps_what_site_edits_leave_alone():
    assert minhash.fold_text("2021年，×××市要坚持GX科创走廊建设（一）XX 12,440。", "×") == "0年×市要坚持gx科创走廊建设一xx00"
    assert minhash.fold_text("2023年，××市要坚持GX科创走廊建设(一)XX12,440!", "×") == "0年×市要坚持gx科创走廊建设一xx00"
    assert minhash.fold_text("［M］市委［M］［M］", "［M］") == "×市委×"
    # runs stop at the end of a text: a sentence folds the same wherever it stands
    points, lengths = minhash.fold(pl.Series(["第12", "34条", "", "××", "×甲"]), "×")
    assert lengths.tolist() == [2, 2, 0, 1, 2] and minhash.text_of(points) == "第00条××甲"


def test_span_hashes_are_of_the_text_alone():
    points, lengths = minhash.fold(pl.Series(["一二三", "三二一", "一二三", "一二"]), "×")
    hashes = minhash.span_hashes(points, lengths)
    assert hashes[0] == hashes[2] and len(set(hashes.tolist())) == 3
    alone = minhash.span_hashes(*minhash.fold(pl.Series(["一二三"]), "×"))
    assert alone[0] == hashes[0] and f"{hashes[0]:016x}" == f"{alone[0]:016x}"


def _signatures(texts, k=5, bins=256):
    points, lengths = minhash.fold(pl.Series(texts), "×")
    hashes, owner = minhash.shingle_hashes(points, lengths, k)
    return minhash.signatures(hashes, owner, len(texts), bins), lengths


def _jaccard(a: str, b: str, k=5) -> float:
    sa, sb = ({t[i:i + k] for i in range(len(t) - k + 1)} for t in (a, b))
    return len(sa & sb) / len(sa | sb)


def test_signatures_estimate_jaccard_similarity():
    rng = random.Random(7)
    alphabet = [chr(c) for c in range(0x4E00, 0x4E00 + 300)]
    base = "".join(rng.choice(alphabet) for _ in range(3000))
    edited = base[:1000] + "".join(rng.choice(alphabet) for _ in range(400)) + base[1400:]
    other = "".join(rng.choice(alphabet) for _ in range(3000))
    signature, _ = _signatures([base, edited, other, base])
    estimate = minhash.similarity(signature, np.array([0, 0, 0]), np.array([1, 2, 3]))
    exact = _jaccard(base, edited)
    assert abs(estimate[0] - exact) < 4 * np.sqrt(exact * (1 - exact) / 256)  # four standard deviations
    assert estimate[1] < 0.05 and estimate[2] == 1.0


def test_short_texts_are_one_shingle_and_empty_ones_none():
    signature, lengths = _signatures(["同志们", "同志们", "谢谢", "", "！！"])
    assert lengths.tolist() == [3, 3, 2, 0, 0]
    assert (signature[0] == signature[1]).all() and (signature[0] != signature[2]).all()
    # densified: every bin of a one-shingle text holds that shingle's value
    assert len(set(signature[0].tolist())) == 1
    assert (signature[3] == np.iinfo(np.uint32).max).all()


def test_candidates_star_and_chain_within_a_bucket():
    keys = np.array([[5], [9], [5], [5], [7], [5], [9]], np.uint64)
    u, v = minhash.candidate_pairs(keys, np.array([True, True, True, True, True, False, True]))
    # bucket 5 holds 0, 2, 3 (5 is not eligible): star 0-2, 0-3 and chain 2-3; bucket 9: 1-6
    assert list(zip(u.tolist(), v.tolist())) == [(0, 2), (0, 3), (1, 6), (2, 3)]


def test_components_are_named_by_their_smallest_node():
    u, v = np.array([3, 5, 7, 9]), np.array([5, 1, 8, 8])
    assert minhash.components(10, u, v).tolist() == [0, 1, 2, 1, 4, 1, 6, 7, 7, 7]
    chain = np.arange(999)
    assert (minhash.components(1000, chain[::-1] + 1, chain[::-1]) == 0).all()


# ---- the stage on small speeches of our own ----------------------------------------------------------------

SHARED = "各部门要建立问题清单和整改台账，做到件件有着落、事事有回音。"
BASE = ("在全市作风建设大会上的讲话\n同志们：\n"
        "2021年以来，各级各部门认真贯彻落实各项决策部署，作风建设取得明显成效。\n"
        "一、提高思想认识，增强抓作风建设的自觉性\n"
        "作风建设永远在路上。各级领导干部要带头转变作风，切实把心思和精力用在干事创业上。×××同志多次强调，"
        "要坚决防止推诿扯皮、敷衍塞责。\n"
        f"二、聚焦突出问题，推动作风持续好转\n要紧盯群众反映强烈的问题，开展专项整治，对顶风违纪的严肃查处。{SHARED}\n"
        "三、强化责任落实，确保各项要求落地见效\n各级党组织要扛起主体责任，主要负责同志要亲自抓、负总责。"
        "纪检监察机关要加强监督检查，定期通报典型案例，形成有力震慑。截至2021年底，全市共排查整改各类问题1260个，问责干部35人。\n"
        "同志们，作风建设关系人心向背，让我们以更加务实的作风推动全市各项工作迈上新台阶！\n")
# another site's copy: the year moved on, other masks, the place renamed, a sentence of its own added
COPY = (BASE.replace("2021年", "2023年").replace("×××同志", "XX同志").replace("全市", "全县")
        .replace("形成有力震慑。", "形成有力震慑。对发现的问题要一查到底，决不让制度成为“稻草人”。"))
# a third site's: in Traditional characters, with its own mask (normalize makes it the original again)
TRAD = "".join(to_traditional(line) for line in BASE.replace("×××", "**").splitlines(keepends=True))
OTHER = ("在优化营商环境推进大会上的讲话\n同志们：\n"
         "2022年以来，各级各部门认真贯彻落实各项决策部署，营商环境持续改善。\n"
         "当前，企业对审批时限、涉企收费和要素保障还有不少期待。我们要坚持问题导向，对标先进地区，推出一批改革举措。"
         f"{SHARED}截至2022年底，全市共排查整改各类问题980个，问责干部12人。\n各级各部门要主动靠前服务，帮助企业解决融资难、用工难等实际困难，让经营主体安心发展。\n"
         "同志们，营商环境只有更好、没有最好，让我们以实干实绩交出满意答卷！\n")


@pytest.fixture(scope="module")
def fixture_tables():
    texts = [BASE, BASE, COPY, OTHER, TRAD]
    frames = normalize_texts(texts)
    segmented = segment_frame(frames["normalized"], frames["edits"])
    out = reuse.reuse([{"documents": segmented["documents"], "sentences": segmented["sentences"]}], SETTINGS)
    return texts, segmented, out


def test_exact_and_near_duplicates_cluster_and_an_unrelated_speech_does_not(fixture_tables):
    _, segmented, out = fixture_tables
    clusters = out["doc_clusters"]
    assert clusters.select("doc_id", "cluster_id", "representative", "cluster_size").rows() == [
        ("s0-01", "s0-01", "s2-01", 4), ("s1-01", "s0-01", "s2-01", 4), ("s2-01", "s0-01", "s2-01", 4),
        ("s3-01", "s3-01", "s3-01", 1), ("s4-01", "s0-01", "s2-01", 4)]
    # the copy holds a sentence more: it is the fullest text and stands for the cluster. The original shares
    # 202 of its 256 MinHash values (the exact Jaccard similarity of their shingles is 0.823; the unrelated
    # speech's with the original 0.130)
    assert clusters["similarity"].to_list() == [202 / 256, 202 / 256, 1.0, 1.0, 202 / 256]
    # the exact duplicate and the Traditional copy with other masks are the original's text once normalized
    documents = dict(zip(segmented["documents"]["doc_id"], segmented["documents"]["text"]))
    assert documents["s0-01"] == documents["s1-01"] == documents["s4-01"] != documents["s2-01"]


def test_a_passage_shared_by_two_clusters_is_found_with_its_offsets(fixture_tables):
    texts, segmented, out = fixture_tables
    passages = out["shared_passages"]
    shared = passages.filter(pl.col("text") == SHARED).row(0, named=True)
    assert shared["folded"] == minhash.fold_text(SHARED, "×") and (shared["n_clusters"], shared["n_documents"]) == (2, 5)
    assert shared["passage_id"] == f"{minhash.span_hashes(*minhash.fold(pl.Series([SHARED]), '×'))[0]:016x}"
    assert shared["doc_ids"] == ["s0-01", "s1-01", "s2-01", "s3-01", "s4-01"]
    documents = dict(zip(segmented["documents"]["doc_id"], segmented["documents"]["text"]))
    for doc, start, end, source_start, source_end in zip(*(shared[c] for c in (
            "doc_ids", "starts", "ends", "source_starts", "source_ends"))):
        assert documents[doc][start:end] == SHARED
        # in the decoded source: as written there (Traditional in s4)
        assert texts[int(doc[1])][source_start:source_end] == (to_traditional(SHARED) if doc == "s4-01" else SHARED)
    # in the decoded text the mask was three characters, in the document one
    assert (shared["starts"][0], shared["source_starts"][0]) == (191, 193) == (191, BASE.index(SHARED))
    assert (shared["starts"][4], shared["source_starts"][4]) == (191, 192)  # its mask was two characters


def test_passages_fold_digits_and_stay_out_of_one_cluster(fixture_tables):
    _, _, out = fixture_tables
    passages = out["shared_passages"].sort("folded")
    # other numbers fold the same (not the copy's, which names another place); the opening sentences end
    # otherwise, and what the four documents of one cluster share among themselves is not reported
    assert passages.select("text", "n_clusters", "n_documents", "doc_ids").rows() == [
        ("各部门要建立问题清单和整改台账，做到件件有着落、事事有回音。", 2, 5, ["s0-01", "s1-01", "s2-01", "s3-01", "s4-01"]),
        ("截至2021年底，全市共排查整改各类问题1260个，问责干部35人。", 2, 4, ["s0-01", "s1-01", "s3-01", "s4-01"])]
    assert passages["folded"][1] == "截至0年底全市共排查整改各类问题0个问责干部0人"


# ---- any number of shards ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    """A generated corpus where a third of the files republish another with a site's edits, through extract."""
    folder = tmp_path_factory.mktemp("copies")
    truth = write_corpus(folder, n_files=45, near_duplicates=0.3)
    return truth, runner.process(folder / "corpus")


def _shards(frames: dict, count: int) -> list[dict[str, pl.DataFrame]]:
    """The frames the reuse stage reads, dealt to ``count`` shards as the workflow deals the files."""
    shard = {sid: shard_of(path, count) for path, sid in zip(frames["sources"]["path"], frames["sources"]["source_id"])}
    of = pl.col("doc_id").str.slice(0, 16).replace_strict(shard, return_dtype=pl.Int64)
    return [{t: frames[t].filter(of == i).select(columns) for t, columns in registry.STAGES["reuse"].reads.items()
             if t != "sources"} for i in range(count)]


def test_the_same_clusters_and_passages_for_1_4_and_16_shards(copies):
    truth, frames = copies
    one = reuse.reuse(_shards(frames, 1), SETTINGS)
    assert one["doc_clusters"].equals(frames["doc_clusters"]) and one["shared_passages"].equals(frames["shared_passages"])
    assert one["doc_clusters"]["cluster_id"].n_unique() < one["doc_clusters"].height and one["shared_passages"].height
    for count in (4, 16):
        parts = _shards(frames, count)
        assert sum(p["documents"].height > 0 for p in parts) > count // 2
        out = reuse.reuse(parts, SETTINGS)
        assert out["doc_clusters"].equals(one["doc_clusters"]), count
        assert out["shared_passages"].equals(one["shared_passages"]), count


def test_a_file_found_in_two_shards_counts_once(copies, tmp_path):
    _, frames = copies
    parts = _shards(frames, 2)
    sources = [frames["sources"].filter(pl.col("source_id").is_in(p["documents"]["doc_id"].str.slice(0, 16).implode()))
               for p in parts]
    twice = sources[0]["source_id"][0]  # the same file under another name, hashed to the other shard
    extra = {"sources": sources[0].filter(pl.col("source_id") == twice).with_columns(path=pl.lit("elsewhere.txt"))}
    extra |= {t: parts[0][t].filter(pl.col("doc_id").str.starts_with(twice)) for t in ("documents", "sentences")}
    inputs: dict[str, list[str]] = {}
    for index, part in enumerate(parts):
        for table, frame in (part | {"sources": sources[index]}).items():
            if index == 1 and table in extra:
                frame = pl.concat([frame, extra[table].select(frame.columns)])
            path = tmp_path / table / f"{index:03d}.parquet"
            tables.write(frame, table, path, columns=None if table == "sources" else list(frame.columns))
            inputs.setdefault(table, []).append(str(path))
    outputs = {t: str(tmp_path / f"{t}.parquet") for t in registry.STAGES["reuse"].writes}
    runner.run("reuse", inputs, outputs, runner.Settings.of(load_config(), "reuse"))
    assert tables.read("doc_clusters", outputs["doc_clusters"]).equals(frames["doc_clusters"])
    assert tables.read("shared_passages", outputs["shared_passages"]).equals(frames["shared_passages"])


def test_copies_are_found_and_nothing_else_is(copies):
    from jianghua.testing.accuracy import reuse_accuracy

    truth, frames = copies
    scores = reuse_accuracy(frames, truth, SETTINGS.shingle_chars, SETTINGS.mask_token)
    assert scores["true_pairs"] >= 10 and scores["false_pairs"] == 0
    assert scores["recall_by_similarity"][">=0.8"] == 1.0


# ---- counts by distinct text -------------------------------------------------------------------------------

CLUSTERS = pl.DataFrame({"doc_id": ["a-01", "b-01", "c-01", "d-01"], "cluster_id": ["a-01", "a-01", "a-01", "d-01"],
                         "representative": ["c-01", "c-01", "c-01", "d-01"]})
FORMULATIONS = pl.DataFrame({"doc_id": ["a-01", "a-01", "b-01", "c-01", "c-01", "d-01", "d-01", "e-01"],
                             "canonical": ["两个维护", "四个意识", "两个维护", "两个维护", "四个意识", "两个维护", "两个维护",
                                           "四个意识"]})


def test_formulation_counts_per_mention_and_per_cluster():
    from jianghua.counts import formulation_counts

    # 两个维护: 5 mentions in 4 documents, of which c-01 (one) and d-01 (two) are representatives; e-01, in no
    # cluster, stands for itself
    assert formulation_counts(FORMULATIONS, CLUSTERS).rows() == [("两个维护", 5, 3, 4, 2), ("四个意识", 3, 2, 3, 2)]


def test_load_offers_one_representative_per_cluster(tmp_path):
    import jianghua
    from jianghua.counts import card_section
    from jianghua.errors import JianghuaError

    for table, frame in (("doc_clusters", CLUSTERS), ("formulations", FORMULATIONS), ("sources", pl.DataFrame({"x": [1]}))):
        (tmp_path / "v1" / table).mkdir(parents=True)
        frame.write_parquet(tmp_path / "v1" / table / "part-00000.parquet")
    (tmp_path / "LATEST").write_text("v1\n")
    assert jianghua.load("formulations", root=tmp_path).collect().height == 8
    deduplicated = jianghua.load("formulations", root=tmp_path, deduplicated=True).collect()
    assert deduplicated["doc_id"].to_list() == ["c-01", "c-01", "d-01", "d-01"]
    assert jianghua.load("doc_clusters", root=tmp_path, deduplicated=True).collect()["doc_id"].to_list() == ["c-01", "d-01"]
    with pytest.raises(JianghuaError, match="no doc_id column"):
        jianghua.load("sources", root=tmp_path, deduplicated=True)
    card = card_section(tmp_path / "v1")
    assert "4 documents in 2 clusters" in card and "| 两个维护 | 5 | 3 | 4 | 2 |" in card


def test_the_map_gives_the_same_part_for_any_run_length(copies):
    _, frames = copies
    part = _shards(frames, 1)[0]
    whole = reuse.shard_part(part["documents"], part["sentences"], SETTINGS)
    for chunk in (1, 5000):  # a run per document; runs of a few documents
        runs = reuse.shard_part(part["documents"], part["sentences"], SETTINGS, chunk_chars=chunk)
        for name in ("signature", "body_chars", "passage_hash", "passage_doc", "passage_row"):
            assert np.array_equal(getattr(runs, name), getattr(whole, name)), (chunk, name)


def test_bands_must_divide_the_permutations():
    from jianghua.errors import ConfigError

    settings = dict(runner.Settings.of(load_config(), "reuse")) | {"reuse.bands": 30}
    with pytest.raises(ConfigError, match="'reuse.bands' \\(30\\) must divide 'reuse.permutations' \\(256\\)"):
        reuse.ReuseConfig.of(settings)


def test_no_text_long_enough_makes_no_pair():
    from jianghua.text.minhash import candidate_pairs
    u, v = candidate_pairs(np.zeros((3, 4), np.uint64), np.zeros(3, bool))
    assert u.size == 0 and v.size == 0



def test_shards_without_documents_make_empty_tables():
    from jianghua import tables
    from jianghua.stages.reuse import ReuseConfig, reuse
    config = ReuseConfig(0.7, 7, 256, 32, 20, "×")
    empty = {"documents": tables.empty("documents"), "sentences": tables.empty("sentences")}
    found = reuse([empty, empty], config)
    assert found["doc_clusters"].height == 0 and found["shared_passages"].height == 0

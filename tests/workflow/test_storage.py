"""The sample corpus with S3 object storage as Snakemake's default storage (a local moto server on 127.0.0.1,
started and stopped here): the same version id and byte-identical published parquet as a run on the local
filesystem, and retention of old versions in the bucket."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SAMPLE, snakemake

pytestmark = pytest.mark.slow
boto3 = pytest.importorskip("boto3", reason="boto3 is not installed (pip install -e '.[test]')")
pytest.importorskip("moto.server", reason="moto[server] is not installed (pip install -e '.[test]')")
pytest.importorskip("snakemake_storage_plugin_s3",
                    reason="snakemake-storage-plugin-s3 is not installed (pip install -e '.[test]')")

BUCKET = "jianghua-test"
PREFIX = "runs/sample"
KEYS = {"access_key": "testing", "secret_key": "testing"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    """A moto S3 server on 127.0.0.1, stopped when the module's tests are done."""
    port = _free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the moto server did not start on {endpoint}; see {log.name}")
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _bucket(endpoint: str):
    return boto3.resource("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=KEYS["access_key"], aws_secret_access_key=KEYS["secret_key"]).Bucket(BUCKET)


def _s3_run(workdir: Path, endpoint: str, *config: str, prefix: str = PREFIX):
    return snakemake(workdir, "--default-storage-provider", "s3", "--default-storage-prefix", f"s3://{BUCKET}/{prefix}",
                     "--storage-s3-endpoint-url", endpoint, "--storage-s3-access-key", KEYS["access_key"],
                     "--storage-s3-secret-key", KEYS["secret_key"],
                     "--config", f"input_dir={SAMPLE / 'corpus'}", *config)


def _text(bucket, key: str, prefix: str = PREFIX) -> str:
    return bucket.Object(f"{prefix}/{key}").get()["Body"].read().decode("utf-8")


def _published_parquet(bucket, version: str, prefix: str = PREFIX) -> dict[str, str]:
    """sha256 of every parquet file of a version in the bucket, by its path in the version."""
    root = f"{prefix}/results/published/{version}/"
    return {obj.key[len(root):]: hashlib.sha256(obj.get()["Body"].read()).hexdigest()
            for obj in bucket.objects.filter(Prefix=root) if obj.key.endswith(".parquet")}


def _local_parquet(version_dir: Path) -> dict[str, str]:
    return {p.relative_to(version_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(version_dir.rglob("*.parquet"))}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, s3_endpoint):
    """The sample published on the local filesystem and into the bucket."""
    local = tmp_path_factory.mktemp("local")
    snakemake(local, "--config", f"input_dir={SAMPLE / 'corpus'}")
    remote = tmp_path_factory.mktemp("s3")
    _s3_run(remote, s3_endpoint)
    return local, remote, _bucket(s3_endpoint)


def test_s3_run_publishes_the_same_version_and_bytes(runs):
    local, _, bucket = runs
    version = (local / "results/published/LATEST").read_text().strip()
    assert _text(bucket, "results/published/LATEST").strip() == version
    assert _text(bucket, "results/published/HISTORY").split() == [version]
    remote = _published_parquet(bucket, version)
    assert remote and remote == _local_parquet(local / "results/published" / version)
    for name in ("manifest.json", "README.md"):
        assert _text(bucket, f"results/published/{version}/{name}") == \
            (local / "results/published" / version / name).read_text(encoding="utf-8")


def test_s3_run_keeps_code_and_corpus_out_of_the_bucket(runs):
    _, _, bucket = runs
    keys = [obj.key for obj in bucket.objects.filter(Prefix=PREFIX)]
    assert all(key.startswith(f"{PREFIX}/results/") for key in keys), [k for k in keys if "/results/" not in k][:5]


def test_s3_second_run_adds_a_version_and_removes_the_oldest(runs, s3_endpoint):
    local, remote, bucket = runs
    first = _text(bucket, "results/published/LATEST").strip()
    # keep_versions is part of the resolved config, so it makes another version (and reruns only publishing)
    result = _s3_run(remote, s3_endpoint, "publish={'keep_versions': 1, 'part_megabytes': 32}")
    assert "rule decode:" not in result.stdout + result.stderr  # only the publishing steps ran again
    second = _text(bucket, "results/published/LATEST").strip()
    assert second != first
    assert _text(bucket, "results/published/HISTORY").split() == [second]
    assert not _published_parquet(bucket, first), f"version {first} is still in the bucket"
    assert _published_parquet(bucket, second)


CORPUS_PREFIX = "corpus/sample"
STORED_INPUT_PREFIX = "runs/stored-input"


@pytest.fixture(scope="module")
def stored_input_run(tmp_path_factory, s3_endpoint, runs):
    """The sample corpus uploaded to the bucket (with the folder markers an S3 console writes), read from there
    with the results in the bucket too."""
    bucket = _bucket(s3_endpoint)
    corpus = SAMPLE / "corpus"
    for path in sorted(corpus.rglob("*")):
        key = f"{CORPUS_PREFIX}/{path.relative_to(corpus).as_posix()}"
        if path.is_dir():
            bucket.put_object(Key=f"{key}/", Body=b"")
        elif path.is_file() and not path.is_symlink():
            bucket.upload_file(str(path), key)
    bucket.put_object(Key=f"{CORPUS_PREFIX}/", Body=b"")
    bucket.put_object(Key=f"{CORPUS_PREFIX}-old/not-this.txt", Body="另一个前缀".encode())
    work = tmp_path_factory.mktemp("s3-input")
    _s3_run(work, s3_endpoint, f"input_dir=s3://{BUCKET}/{CORPUS_PREFIX}", prefix=STORED_INPUT_PREFIX)
    return work, bucket


def test_an_input_dir_in_the_bucket_publishes_what_the_folder_publishes(runs, stored_input_run):
    local = runs[0]
    work, bucket = stored_input_run
    version = (local / "results/published/LATEST").read_text().strip()
    assert _text(bucket, "results/published/LATEST", STORED_INPUT_PREFIX).strip() == version
    assert _published_parquet(bucket, version, STORED_INPUT_PREFIX) == \
        _local_parquet(local / "results/published" / version)
    # listed once, by the main process: the plan counts the sample's files, not the other prefix's or the markers
    plan = json.loads((work / ".snakemake/jianghua/shard-plan.json").read_text(encoding="utf-8"))
    assert sum(plan["entries"]) == sum(1 for p in (SAMPLE / "corpus").rglob("*") if not p.is_dir())


def test_an_input_dir_in_the_bucket_is_not_decoded_again_when_nothing_changed(stored_input_run, s3_endpoint):
    work, _ = stored_input_run
    again = _s3_run(work, s3_endpoint, f"input_dir=s3://{BUCKET}/{CORPUS_PREFIX}", "--dry-run",
                    prefix=STORED_INPUT_PREFIX)
    assert "Nothing to be done" in again.stdout + again.stderr, again.stdout[-2000:]

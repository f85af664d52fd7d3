"""The Segmentations page's widgets, cached calls and sections (the page only calls these in order).

Data flow: :func:`choose_text` + :func:`view_options` (widgets, URL state through ``bind``) ->
:func:`segment_all` (one cached ``segment`` per tokenizer) -> :func:`token_rows` (the interactive
token view: hover, click) -> counts, agreement, "a token up close", chat counts, downloads.
"""
from __future__ import annotations

import hashlib
from typing import NamedTuple

import streamlit as st

from tokviz import chat
from tokviz.charts.segmentation import agreement_heatmap, boundary_strip, counts_bar
from tokviz.render import (
    agreement_html,
    boundary_agreement,
    comparison_table,
    markdown_escape,
    merge_tree_dot,
    pairwise_agreement,
)
from tokviz.segment import Segmentation, byte_chips, segmentations_csv, segmentations_json
from tokviz.token_view import (
    MAX_RENDERED_TOKENS,
    TOKEN_VIEW_CSS,
    TokenRow,
    ViewOptions,
    parse_pick,
    token_repr,
    token_rows_html,
)
from tokviz.ui.common import load_tokenizer_cached
from tokviz.ui.state import bind, lazy_expander, url_get, url_set

__all__ = ["PRESETS", "DEFAULT_SEGMENTATION_TOKENIZERS", "PAGE_TEXT_LIMIT", "Loaded", "Segmented", "choose_text",
           "view_options", "segment_all", "segment_cached", "token_rows", "counts_section", "agreement_section",
           "token_up_close", "chat_section", "explanations", "downloads", "count_explanations"]

#: four diverse tokenizers of the embedded default: OpenAI byte-level BPE, Llama 3's
#: 128k vocabulary, SentencePiece with byte fallback, and Qwen (NFC + single digits)
DEFAULT_SEGMENTATION_TOKENIZERS = ["o200k_base", "llama3", "mistral-7b", "qwen3"]

#: characters of text the page segments; a run at this size with the four default tokenizers
#: takes a few seconds on a 2-core machine (measured: see the lead's report)
PAGE_TEXT_LIMIT = 200_000
URL_TEXT_LIMIT = 500  # texts up to this many characters travel in the URL
UDHR_PRESET = "UDHR article"
CUSTOM = "Your own text"

PRESETS: dict[str, str] = {
    "English prose": (
        "Tokenizers don't see words: they see pieces. The quick brown fox jumps over the lazy dog, "
        "but \"unbelievably\" may be one token or four, depending on who counts."
    ),
    "Python code": (
        "def fibonacci(n: int) -> list[int]:\n"
        "    \"\"\"Return the first n Fibonacci numbers.\"\"\"\n"
        "    sequence = [0, 1]\n"
        "    while len(sequence) < n:\n"
        "        sequence.append(sequence[-1] + sequence[-2])\n"
        "    return sequence[:n]\n"
    ),
    "Numbers and dates": (
        "On 2024-03-15 at 09:41, invoice #1234567 came to $98,765.43 (3.14159% up from 2023). "
        "Call +1-555-0100 before 31/12/2025."
    ),
    "Emoji and ZWJ sequences": (
        "Family: 👨‍👩‍👧‍👦 facepalm: 🤦🏼‍♂️ flags: 🇺🇳 🏳️‍🌈 keycap: 1️⃣ hearts: ❤️🧡💛 "
        "combining: e\u0301 vs é"
    ),
    "Multilingual paragraph": (
        "Hello! Bonjour ! ¡Hola! Привет! Γειά σου! مرحبا! שלום! नमस्ते! こんにちは！ 你好！ 안녕하세요! "
        "ሰላም! สวัสดี! Xin chào! Merhaba! ສະບາຍດີ! ဟယ်လို!"
    ),
}
PRESET_NAMES = list(PRESETS) + [UDHR_PRESET, CUSTOM]


# ---- the text and the view options -------------------------------------------------------------------

def _apply_preset() -> None:
    name = st.session_state["seg_preset"]
    if name in PRESETS:
        st.session_state["seg_text"] = PRESETS[name]
    elif name == UDHR_PRESET:
        st.session_state["seg_text"] = udhr_preset_text(st.session_state.get("seg_udhr_lang", "eng"),
                                                        st.session_state.get("seg_udhr_article", "1"))


def _mark_custom() -> None:
    """Editing the text makes it the user's own (and lets a short one travel in the URL)."""
    if st.session_state["seg_text"] != PRESETS.get(st.session_state["seg_preset"]):
        st.session_state["seg_preset"] = CUSTOM


def choose_text() -> str:
    """The example picker and the text box; the example (or a short own text) lives in the URL."""
    if "seg_text" not in st.session_state:
        url_text = url_get("t")
        if url_text is not None:
            st.session_state["seg_preset"] = CUSTOM
            st.session_state["seg_text"] = url_text
    columns = st.columns([2, 2, 1])
    preset = columns[0].selectbox("Example", PRESET_NAMES, on_change=_apply_preset,
                                  **bind("seg_preset", PRESET_NAMES[0], url="p", options=PRESET_NAMES))
    if "seg_text" not in st.session_state:
        st.session_state["seg_text"] = PRESETS.get(preset, PRESETS["English prose"])
    if preset == UDHR_PRESET:
        languages = udhr_choices()
        codes = list(languages)
        columns[1].selectbox("UDHR language", codes, format_func=lambda c: f"{languages[c]} ({c})",
                             on_change=_apply_preset, **bind("seg_udhr_lang", "eng", url="lang", options=codes))
        articles = ["preamble"] + [str(i) for i in range(1, 31)]
        columns[2].selectbox("Article", articles, on_change=_apply_preset,
                             **bind("seg_udhr_article", "1", url="art", options=articles))
    text = st.text_area("Text", key="seg_text", height=170, on_change=_mark_custom)
    own = st.session_state["seg_preset"] == CUSTOM and len(text) <= URL_TEXT_LIMIT
    url_set("t", text if own else None)
    return text


def view_options() -> tuple[ViewOptions, bool]:
    """The four toggles: (what the token rows show, whether BOS/EOS are added)."""
    toggles = st.columns(4)
    show_ids = toggles[0].toggle("Show ids", **bind("seg_ids", False, url="ids", parse=bool))
    show_whitespace = toggles[1].toggle("Visible whitespace (· → ↵)", **bind("seg_ws", True, url="ws", parse=bool))
    show_bytes = toggles[2].toggle("Show bytes", help="Each token's UTF-8 bytes in hex, under its text.",
                                   **bind("seg_bytes", False, url="bytes", parse=bool))
    add_special = toggles[3].toggle("Add special tokens (BOS/EOS)",
                                    help="Add what the model puts around a prompt, e.g. <s> or <|begin_of_text|>.",
                                    **bind("seg_special", False, url="special", parse=bool))
    return ViewOptions(show_ids, show_whitespace, show_bytes), add_special


# ---- one cached call per tokenizer ----------------------------------------------------------------------

class Loaded(NamedTuple):
    """One tokenizer's result on the page."""

    spec: str
    name: str  # display name
    segmentation: Segmentation


class Segmented(NamedTuple):
    """Every picked tokenizer's segmentation of the text, and what went wrong on the way."""

    rows: list[Loaded]
    errors: list[tuple[str, str]]  # (tokenizer, message)
    warnings: list[str]
    text: str


@st.cache_data(show_spinner=False, max_entries=256)
def segment_cached(spec: str, text: str, add_special_tokens: bool = False) -> Segmentation:
    """``load_tokenizer(spec).segment(text)``, cached by (spec, text, add_special_tokens)."""
    return load_tokenizer_cached(spec).segment(text, add_special_tokens=add_special_tokens)


def _is_panic(error: BaseException) -> bool:
    return type(error).__name__ == "PanicException"


def segment_all(specs: list[str], text: str, add_special: bool) -> Segmented:
    """Segment ``text`` (cut to :data:`PAGE_TEXT_LIMIT` characters) with every tokenizer; failures become messages."""
    warnings = []
    if len(text) > PAGE_TEXT_LIMIT:
        warnings.append(f"The text has {len(text):,} characters; this page shows its first {PAGE_TEXT_LIMIT:,} "
                        "(the Language premiums page and `python -m tokviz segment` count longer texts).")
        text = text[:PAGE_TEXT_LIMIT]
    rows, errors = [], []
    for spec in specs:
        try:
            tokenizer = load_tokenizer_cached(spec)
            segmentation = segment_cached(spec, text, add_special)
        except BaseException as error:  # noqa: BLE001 - a Rust panic is a BaseException; it becomes a message
            if not (isinstance(error, Exception) or _is_panic(error)):
                raise
            message = str(error) if isinstance(error, (ValueError, KeyError, FileNotFoundError)) else (
                f"the tokenizer failed on this text ({type(error).__name__}: {str(error)[:200]})")
            errors.append((spec, message))
            continue
        rows.append(Loaded(spec, tokenizer.display_name, segmentation))
        for warning in segmentation.warnings:  # the 1 MB cut, repaired surrogates, tokens that miss text
            if warning not in warnings:
                warnings.append(warning)
    return Segmented(rows, errors, warnings, text)


# ---- the token rows: hover and click ---------------------------------------------------------------------

_TOKEN_VIEW_JS = r"""
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let holder = parentElement.querySelector(".tv-holder");
  if (!holder) {
    holder = document.createElement("div");
    holder.className = "tv-holder";
    parentElement.appendChild(holder);
  }
  if (holder.dataset.version !== data.version) {
    holder.innerHTML = data.html;  // built and escaped in Python (tokviz.token_view)
    holder.dataset.version = data.version;
  }
  const tip = holder.querySelector(".tv-tip");
  const boxes = Array.from(holder.querySelectorAll(".tv-tok"));
  holder.querySelectorAll(".tv-picked").forEach((el) => el.classList.remove("tv-picked"));
  if (data.picked) {
    const el = holder.querySelector(`.tv-tok[data-r="${data.picked[0]}"][data-i="${data.picked[1]}"]`);
    if (el) el.classList.add("tv-picked");
  }
  const clear = () => {
    holder.querySelectorAll(".tv-hl").forEach((el) => el.classList.remove("tv-hl"));
    if (tip) tip.style.display = "none";
  };
  holder.onmouseover = (event) => {
    const box = event.target.closest(".tv-tok");
    if (!box) { clear(); return; }
    clear();
    const s = Number(box.dataset.s), e = Number(box.dataset.e);
    for (const other of boxes) {
      const os = Number(other.dataset.s), oe = Number(other.dataset.e);
      if (e > s ? (os < e && oe > s) : other === box) other.classList.add("tv-hl");
    }
    if (tip) {
      // one line beside the token, on its own line: it never covers the other rows' highlighted span
      tip.textContent = `#${box.dataset.i} · id ${box.dataset.id} · text ${JSON.stringify(box.dataset.text)} · ` +
        `bytes ${box.dataset.hex} · characters ${s}–${e} · click to look closer`;
      tip.style.display = "block";
      const rect = box.getBoundingClientRect();
      let left = rect.right + 8;
      if (left + tip.offsetWidth > window.innerWidth - 4) left = Math.max(4, rect.left - 8 - tip.offsetWidth);
      tip.style.left = `${left}px`;
      tip.style.top = `${rect.top + rect.height / 2 - tip.offsetHeight / 2}px`;
    }
  };
  holder.onmouseleave = clear;
  holder.onclick = (event) => {
    const box = event.target.closest(".tv-tok");
    if (box) setTriggerValue("picked", [Number(box.dataset.r), Number(box.dataset.i)]);
  };
}
"""

_token_view_component = st.components.v2.component("tokviz.token_rows", css=TOKEN_VIEW_CSS, js=_TOKEN_VIEW_JS)


def _digest(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _pick_keys(result: Segmented, spec: str) -> str:
    """The token picker's widget key: a new text or tokenizer is a new picker (fresh labels, token #0)."""
    row = next(r for r in result.rows if r.spec == spec)
    return f"seg_pick_{_digest(spec, result.text, len(row.segmentation), row.segmentation.ids[:64])}"


def _select(result: Segmented, spec: str, index: int) -> None:
    """Make token ``index`` of ``spec`` the one in "A token up close"."""
    st.session_state["seg_inspect_tok"] = spec
    st.session_state["_tokviz_keep:seg_inspect_tok"] = spec
    st.session_state[_pick_keys(result, spec)] = index
    url_set("tok", f"{spec}:{index}")


@st.cache_data(show_spinner=False, max_entries=64)
def _rows_html_cached(specs: tuple[str, ...], names: tuple[str, ...], notes: tuple[str, ...], text: str,
                      add_special: bool, options: ViewOptions) -> str:
    rows = [TokenRow(name, segment_cached(spec, text, add_special), note)
            for spec, name, note in zip(specs, names, notes, strict=True)]
    return token_rows_html(rows, options)


def token_rows(result: Segmented, options: ViewOptions, add_special: bool) -> None:
    """Every tokenizer's tokens in one view; hover shows a token's facts, a click picks it for a closer look."""
    undertrained = undertrained_notes(result, add_special)
    notes = []
    for row in result.rows:
        flagged = undertrained.get(row.spec, [])
        notes.append((f"⚠ {len(flagged)} likely under-trained: " + ", ".join(flagged[:5])) if flagged else "")
    counts = {row.spec: min(len(row.segmentation), MAX_RENDERED_TOKENS) for row in result.rows}
    if "_seg_url_pick_done" not in st.session_state:  # ?tok=<tokenizer>:<index> opens with that token picked
        st.session_state["_seg_url_pick_done"] = True
        pick = parse_pick(url_get("tok"), counts)
        if pick is not None:
            _select(result, *pick)
    chosen = st.session_state.get("seg_inspect_tok")
    picked = None
    if chosen in counts:
        number = [row.spec for row in result.rows].index(chosen)
        picked = [number, st.session_state.get(_pick_keys(result, chosen), 0)]
    html = _rows_html_cached(tuple(row.spec for row in result.rows), tuple(row.name for row in result.rows),
                             tuple(notes), result.text, add_special, options)

    def on_pick() -> None:  # runs before the rerun, so the picked box and the picker agree at once
        clicked = (st.session_state.get("seg_token_rows") or {}).get("picked")
        if isinstance(clicked, list) and len(clicked) == 2 and 0 <= int(clicked[0]) < len(result.rows):
            spec = result.rows[int(clicked[0])].spec
            _select(result, spec, min(max(int(clicked[1]), 0), counts[spec] - 1))

    _token_view_component(data={"html": html, "version": _digest(html), "picked": picked}, key="seg_token_rows",
                          on_picked_change=on_pick)


# ---- counts and agreement ------------------------------------------------------------------------------

def counts_section(result: Segmented) -> None:
    """The count table, a bar chart of one measure, and each tokenizer's ids to copy."""
    names = {row.segmentation.tokenizer: row.name for row in result.rows}
    table = comparison_table([row.segmentation for row in result.rows], names)
    left, right = st.columns([3, 2])
    left.dataframe(table, hide_index=True, width="stretch",
                   column_config={"chars_per_token": st.column_config.NumberColumn("chars/token", format="%.2f"),
                                  "bytes_per_token": st.column_config.NumberColumn("bytes/token", format="%.2f")})
    measures = {"tokens": "tokens", "chars_per_token": "characters per token", "bytes_per_token": "bytes per token"}
    metric = right.radio("Chart", list(measures), horizontal=True, format_func=measures.get,
                         **bind("seg_metric", "tokens", url="chart", options=list(measures)))
    right.plotly_chart(counts_bar(table, metric), width="stretch", key="seg_counts_chart")
    ids_box = lazy_expander("Token ids, to copy (the copy button is at the top right of each box)", "seg_exp_ids")
    with ids_box:
        for row in (result.rows if ids_box.open else []):
            ids = row.segmentation.ids
            shown = ids[:MAX_RENDERED_TOKENS]
            more = f" (the first {len(shown):,} of {len(ids):,}; all are in the downloads)" if len(ids) > len(
                shown) else ""
            st.caption(f"{row.name}{more}")
            st.code(", ".join(map(str, shown)), language=None, wrap_lines=True)


def agreement_section(result: Segmented, add_special: bool) -> None:
    """Where the tokenizers cut the text: the text with cut marks, pairwise shared cuts, and a strip."""
    if len(result.rows) < 2:
        return
    st.subheader("Where they agree and disagree")
    plain = [row.segmentation for row in result.rows]
    if add_special:
        plain = [segment_cached(row.spec, result.text, False) for row in result.rows]
    names = {row.segmentation.tokenizer: row.name for row in result.rows}
    agreement = boundary_agreement(plain)
    shared = int((agreement["count"] == len(plain)).sum()) if len(agreement) else 0
    contested = int(((agreement["count"] > 0) & (agreement["count"] < len(plain))).sum()) if len(agreement) else 0
    st.caption(f"Green bars: all {len(plain)} tokenizers cut here ({shared:,} places). Orange: only some do "
               f"({contested:,} places), darker when more do.")
    st.html(agreement_html(result.text, agreement, len(plain)))
    st.markdown("**Cut points along the start of the text** (a dark mark: this tokenizer cuts before that character)")
    st.plotly_chart(boundary_strip(agreement.rename(columns=names), result.text, [names[s.tokenizer] for s in plain]),
                    width="stretch", key="seg_strip")
    pairwise_box = lazy_expander("Shared cut points, tokenizer by tokenizer", "seg_exp_pairwise")
    with pairwise_box:
        if not pairwise_box.open:
            return
        st.caption("The share of cut points two tokenizers have in common (Jaccard index; 1 = exactly the same cuts).")
        pairwise = pairwise_agreement(plain).rename(index=names, columns=names)
        st.plotly_chart(agreement_heatmap(pairwise), width="stretch", key="seg_pairwise")


# ---- a token up close ---------------------------------------------------------------------------------------

def token_up_close(result: Segmented) -> None:
    """The picked token's facts and merge tree; pick by clicking a token above or with the two boxes."""
    st.subheader("A token up close")
    st.caption("Click any token above, or pick one here.")
    specs = [row.spec for row in result.rows]
    names = {row.spec: row.name for row in result.rows}
    columns = st.columns([2, 3])
    spec = columns[0].selectbox("Tokenizer", specs, format_func=names.get,
                                **bind("seg_inspect_tok", specs[0], options=specs))
    segmentation = next(row.segmentation for row in result.rows if row.spec == spec)
    if not len(segmentation):
        st.info("This tokenizer made no tokens of the text.")
        return
    count = min(len(segmentation), MAX_RENDERED_TOKENS)
    key = _pick_keys(result, spec)
    if not 0 <= st.session_state.get(key, 0) < count:
        st.session_state[key] = 0

    def label(index: int) -> str:
        return f"#{index}: {token_repr(segmentation.token_bytes[index])} (id {segmentation.ids[index]})"

    index = columns[1].selectbox("Token", range(count), key=key, format_func=label)
    url_set("tok", f"{spec}:{index}" if (spec, index) != (specs[0], 0) else None)
    _token_facts(spec, segmentation.token(index))


def _token_facts(spec: str, token) -> None:
    tokenizer = load_tokenizer_cached(spec)
    rank = tokenizer.merge_rank(token.id)
    facts = st.columns(4)
    facts[0].metric("id", token.id)
    facts[1].metric("bytes", len(token.bytes))
    facts[2].metric("merge rank", "—" if rank is None else f"{rank:,}")
    facts[3].metric("characters", f"{token.start}–{token.end}")
    st.code(f"text:  {token_repr(token.bytes)}\nbytes: {byte_chips(token.bytes)}", language=None)
    try:
        steps = tokenizer.merge_tree(token.id)
    except ValueError as error:
        st.info(str(error))
        return
    if steps:
        st.caption(f"How BPE built this token in {len(steps)} merges: read the bottom row left to right for the "
                   "pieces it started from; each box above joins the two below it (merge # = its rank).")
        st.graphviz_chart(merge_tree_dot(steps, token.bytes))
    elif token.special:
        st.info("A special token: added to the vocabulary whole, never merged.")
    else:
        st.info("A base unit (a single byte or character): nothing was merged to make it.")


# ---- chat, explanations, downloads ------------------------------------------------------------------------------

def chat_section(result: Segmented) -> None:
    """Count a short conversation through each model's own chat template, beside the plain-text count."""
    chat_box = lazy_expander("Count a chat conversation (system / user / assistant messages)", "seg_exp_chat")
    with chat_box:
        if not chat_box.open:
            return
        st.caption("Chat apps wrap every message in the model's chat template (role names, separators). Where the "
                   "tokenizer's package ships that template, the count below includes it.")
        messages = [chat.Message(role, st.text_area(role.title(), height=68, **bind(f"seg_chat_{role}", default)))
                    for role, default in chat.EXAMPLE_CONVERSATION]
        rows = [chat_count_cached(row.spec, tuple(messages)) for row in result.rows]
        st.dataframe([{"tokenizer": row.name, "plain text": count.plain, "with chat template": count.templated,
                       "template": count.source} for row, count in zip(result.rows, rows, strict=True)],
                     hide_index=True, width="stretch")


@st.cache_data(show_spinner=False, max_entries=256)
def chat_count_cached(spec: str, messages: tuple) -> chat.ChatCount:
    return chat.count_conversation(load_tokenizer_cached(spec), list(messages))


def explanations(result: Segmented) -> None:
    """Why a count here may differ from an API's, per tokenizer (expert detail, in an expander)."""
    why_box = lazy_expander("Why doesn't my count match another tool's?", "seg_exp_why")
    with why_box:
        for row in (result.rows if why_box.open else []):
            tokenizer = load_tokenizer_cached(row.spec)
            st.markdown(f"**{markdown_escape(row.name)}** — normalizer: {markdown_escape(tokenizer.meta.normalizer)}; "
                        f"pre-tokenizer: {markdown_escape(tokenizer.meta.pre_tokenizer)}")
            for reason in count_explanations(row.spec, result.text):
                st.markdown(f"- {reason}")
            if tokenizer.meta.license:
                st.caption(f"Licence of the tokenizer file: {markdown_escape(tokenizer.meta.license)}")


def downloads(result: Segmented) -> None:
    """CSV and JSON of every token, built only when a button is clicked."""
    segmentations = [row.segmentation for row in result.rows]
    columns = st.columns(2)
    columns[0].download_button("Download CSV", lambda: segmentations_csv(segmentations),
                               file_name="segmentations.csv", mime="text/csv", key="seg_csv")
    columns[1].download_button("Download JSON", lambda: segmentations_json(segmentations),
                               file_name="segmentations.json", mime="application/json", key="seg_json")


@st.cache_data(show_spinner=False, max_entries=256)
def count_explanations(spec: str, text: str) -> list[str]:
    """Reasons a count here may differ from an API's or a model's, for this text and tokenizer (markdown-safe)."""
    tokenizer = load_tokenizer_cached(spec)
    reasons: list[str] = []
    bos, eos = tokenizer.bos_ids(), tokenizer.eos_ids()
    if bos or eos:
        names = markdown_escape(", ".join(tokenizer.token_text(i) for i in bos + eos))
        reasons.append(f"The model adds {len(bos) + len(eos)} special token(s) around a prompt "
                       f"({names}); tick 'Add special tokens' to count them.")
    present = [s for s in tokenizer.special_tokens if len(s) > 2 and s in text]
    if present:
        as_special = [s for s in present if tokenizer.special_tokens[s] in tokenizer.encode(s)]
        if as_special:
            reasons.append(f"The text contains special-token strings ({markdown_escape(', '.join(as_special[:5]))}) "
                           "that this tokenizer's backend turns into single special tokens even in plain text (HF "
                           "tokenizers always splits added tokens out); an API that escapes user text would count "
                           "more.")
        else:
            reasons.append(f"The text contains special-token strings ({markdown_escape(', '.join(present[:5]))}); "
                           "they are encoded as ordinary text, as APIs do for user content, so they cost several "
                           "tokens here.")
    if tokenizer.normalize(text) != text and tokenizer.meta.normalizer not in ("none", ""):
        reasons.append(f"This tokenizer normalizes first ({markdown_escape(tokenizer.meta.normalizer)}); the text "
                       "changes under it, so characters and bytes here refer to your text, tokens to the "
                       "normalized one.")
    if "\r\n" in text:
        reasons.append("The text has Windows line ends (\\\\r\\\\n); many apps send \\\\n only, which can count "
                       "differently.")
    reasons.append("Chat models wrap each message in a chat template (role headers, separators): a chat API "
                   "bills those tokens too; see 'Count a chat conversation' above.")
    if tokenizer.meta.algorithm.startswith("SentencePiece") or "Metaspace" in tokenizer.meta.pre_tokenizer:
        reasons.append("SentencePiece prepends a space (▁) to the text, so the first word is counted as if it "
                       "followed a space.")
    return reasons


@st.cache_data(show_spinner=False)
def udhr_choices() -> dict[str, str]:
    """UDHR code -> English name, for the "UDHR article" preset."""
    from tokviz.corpora import udhr_languages

    languages = udhr_languages()
    return dict(zip(languages["code"], languages["name"], strict=True))


@st.cache_data(show_spinner=False, max_entries=512)
def udhr_preset_text(code: str, article: str) -> str:
    from tokviz.corpora import udhr_article

    try:
        return udhr_article(code, article)
    except ValueError as error:  # a language without that article
        return f"({error})"


@st.cache_data(show_spinner=False, max_entries=256)
def undertrained_badges(spec: str, text: str, add_special: bool) -> list[str]:
    """Display strings of likely under-trained tokens in ``spec``'s tokens of ``text`` (tokenizers with an
    embedding map); keyed by the text, not the ids (hashing a long tuple of ids costs seconds)."""
    from tokviz import embeddings

    source = embeddings.embedding_for_tokenizer(spec)
    if source is None:
        return []
    flagged = embeddings.undertrained_in_text(source, segment_cached(spec, text, add_special).ids)
    return [row["token"] if isinstance(row, dict) else str(row) for row in flagged]


def undertrained_notes(result: Segmented, add_special: bool) -> dict[str, list[str]]:
    """Per tokenizer, the likely under-trained tokens in its segmentation (an empty list when unknown)."""
    notes = {}
    for row in result.rows:
        try:
            notes[row.spec] = undertrained_badges(row.spec, result.text, add_special)
        except (ValueError, OSError):
            notes[row.spec] = []
    return notes

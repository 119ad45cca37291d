# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Runs inside the oracle venv (Python 3.10, pydantic 1.x), never in the test process: asks one
release's generated models (``metadata.generated.schema``, unpacked from its openmetadata-ingestion
wheel) about what the collection writes or sends.

    python checker.py <release folder>   (a JSON list of requests per line in, of answers per line out)

Each request is ``{"ask": "validate"|"fields"|"enum", "model": "<module>:<Class>", "payload": ...}``
with the module relative to ``metadata.generated.schema``. ``validate`` answers ``{"ok", "errors"}``
(pydantic's own messages, e.g. ``extra fields not permitted``), ``fields`` the model's field names and
whether it forbids others, ``enum`` the values of an Enum class; a model the release does not have
answers ``{"missing": true}``.
"""
import importlib
import json
import logging
import sys
import types


def _logger_stand_in():
    """Some releases' pydantic helpers (custom_pydantic) log through ``metadata.utils.logger``, which
    pulls in the whole client; the models only need a logger factory, so give them one."""
    try:
        importlib.import_module("metadata.utils.logger")
    except ImportError:
        module = types.ModuleType("metadata.utils.logger")
        for name in ("ingestion_logger", "utils_logger", "cli_logger"):
            setattr(module, name, lambda: logging.getLogger("oracle"))
        sys.modules["metadata.utils.logger"] = module


def _load(spec):
    module_name, _colon, class_name = spec.partition(":")
    try:
        module = importlib.import_module("metadata.generated.schema." + module_name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("metadata.generated.schema"):
            return None
        raise
    # "A|B": the class name some releases' code generator chose instead (1.2's secrets manager
    # configuration is generated as ValidateSSLClientConfig).
    for name in class_name.split("|"):
        if hasattr(module, name):
            return getattr(module, name)
    return None


def _answer(request):
    model = _load(request["model"])
    if model is None:
        return {"missing": True}
    ask = request.get("ask", "validate")
    if ask == "enum":
        return {"values": [member.value for member in model]}
    if ask == "fields":
        extra = getattr(getattr(model, "Config", None), "extra", None)
        return {"fields": sorted(field.alias for field in model.__fields__.values()),
                "forbids_extra": str(getattr(extra, "value", extra)) == "forbid"}
    try:
        model.parse_obj(request["payload"])
    except Exception as exc:  # pydantic.ValidationError, or a model whose validators raise
        errors = exc.errors() if hasattr(exc, "errors") else [{"loc": [], "msg": str(exc), "type": type(exc).__name__}]
        return {"ok": False, "errors": [{"loc": [str(p) for p in e.get("loc", [])], "msg": e.get("msg"),
                                         "type": e.get("type")} for e in errors]}
    return {"ok": True, "errors": []}


def main():
    """One JSON list of requests per input line, one JSON list of answers per output line, until EOF
    (the tests keep one checker per release running: importing the models is the slow part)."""
    sys.path.insert(0, sys.argv[1])
    _logger_stand_in()
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(json.dumps([_answer(request) for request in json.loads(line)]) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reference renderer for the differential chat-template test.

Renders chat templates the way transformers' apply_chat_template(tokenize=False) does
(transformers/utils/chat_template_utils.py: ImmutableSandboxedEnvironment with trim_blocks,
lstrip_blocks and loop controls; its own tojson; raise_exception and strftime_now globals; the
{% generation %} tag), without needing transformers itself.

Reads one JSON object from stdin: {"template": str, "cases": [{"messages": [...],
"add_generation_prompt": bool, "bos_token": str, "eos_token": str, optional "tools": [...]}, ...]} and writes a JSON list
with, per case, {"output": str} or {"error": exception class name, "message": str}.
"""
import json
import sys
from datetime import datetime

import jinja2
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


class GenerationTag(Extension):
    """transformers' AssistantTracker, reduced to rendering the body (no assistant mask)."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return datetime.now().strftime(format)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    request = json.load(sys.stdin)
    env = environment()
    results = []
    try:
        template = env.from_string(request["template"])
    except Exception as e:  # a template transformers cannot compile: every case fails alike
        results = [{"error": type(e).__name__, "message": str(e)} for _ in request["cases"]]
        json.dump(results, sys.stdout, ensure_ascii=True)
        return
    for case in request["cases"]:
        try:
            output = template.render(
                messages=case["messages"],
                tools=case.get("tools"),
                documents=None,
                add_generation_prompt=case["add_generation_prompt"],
                bos_token=case["bos_token"],
                eos_token=case["eos_token"],
            )
            results.append({"output": output})
        except Exception as e:
            results.append({"error": type(e).__name__, "message": str(e)})
    json.dump(results, sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main()

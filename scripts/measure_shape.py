"""Measure the code's shape: module lengths, long functions, long lines (issue 9's yardsticks).

    python scripts/measure_shape.py              # a table of what exceeds the limits
    python scripts/measure_shape.py --json       # the same as JSON (for before/after notes)

Limits: a module over 600 lines, a function over 60 lines (a reason may stand beside it as a
comment ``# long: <why>`` on its ``def`` line), a page over 150 lines, a line over 120 characters.
"""
from __future__ import annotations

import argparse
import ast
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULE_LIMIT, FUNCTION_LIMIT, PAGE_LIMIT, LINE_LIMIT = 600, 60, 150, 120


def python_files() -> list[Path]:
    files = []
    for folder in ("tokviz", "app_pages", "tests", "bench", "scripts", "data"):
        files += sorted((ROOT / folder).rglob("*.py"))
    files.append(ROOT / "app.py")
    return [f for f in files if ".venv" not in f.parts and f.exists()]


def long_functions(path: Path) -> list[dict]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            if length > FUNCTION_LIMIT:
                reason = "# long:" in lines[node.lineno - 1]
                found.append({"function": node.name, "lines": length, "reason_given": reason,
                              "parameters": len(node.args.args) + len(node.args.kwonlyargs)})
    return found


def measure() -> dict:
    modules, functions, long_lines, pages = [], [], 0, []
    for path in python_files():
        rel = str(path.relative_to(ROOT))
        text = path.read_text(encoding="utf-8").splitlines()
        long_lines += sum(len(line) > LINE_LIMIT for line in text)
        if rel.startswith("tokviz/"):
            if len(text) > MODULE_LIMIT:
                modules.append({"module": rel, "lines": len(text)})
            functions += [{"module": rel, **f} for f in long_functions(path)]
        if rel.startswith("app_pages/"):
            pages.append({"page": rel, "lines": len(text)})
    return {"modules_over_limit": sorted(modules, key=lambda m: -m["lines"]),
            "functions_over_limit": sorted(functions, key=lambda f: -f["lines"]),
            "pages": pages, "lines_over_120": long_lines}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    result = measure()
    if parser.parse_args().json:
        print(json.dumps(result, indent=2))
        return
    print(f"modules over {MODULE_LIMIT} lines:")
    for m in result["modules_over_limit"]:
        print(f"  {m['lines']:5d}  {m['module']}")
    print(f"library functions over {FUNCTION_LIMIT} lines:")
    for f in result["functions_over_limit"]:
        note = "  (reason given)" if f["reason_given"] else ""
        print(f"  {f['lines']:5d}  {f['module']}:{f['function']} ({f['parameters']} parameters){note}")
    print("pages:")
    for p in result["pages"]:
        print(f"  {p['lines']:5d}  {p['page']}")
    print(f"lines over {LINE_LIMIT} characters: {result['lines_over_120']}")


if __name__ == "__main__":
    main()

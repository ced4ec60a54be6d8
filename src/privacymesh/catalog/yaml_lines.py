"""Load a contract as strict YAML 1.2, keeping the line of every key so errors can point at it.

ruamel.yaml composes the node tree under the YAML 1.2 core schema (`NO`, `on` and `yes` are
strings); the values are then built here, so that a duplicate key is an error naming both lines
rather than the last one silently winning, and so that values YAML 1.1 habits would mangle stay
the strings they are written as: unquoted dates (`2024-01-31`) and numbers with a leading zero
(`0755`, a postcode `01234`). Mapping keys are always strings, as in JSON.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:
    from ruamel.yaml.cyaml import CSafeLoader as _CLoader
except ImportError:  # ruamel.yaml.clib not installed: the pure-Python parser
    _CLoader = None

Path_ = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
# YAML 1.2 core-schema integers, without the leading-zero form YAML 1.1 read as octal
_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_OCTAL = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)")
_NAN = re.compile(r"\.(nan|NaN|NAN)")
_TRUE, _FALSE = {"true", "True", "TRUE"}, {"false", "False", "FALSE"}
_NULL = {"", "~", "null", "Null", "NULL"}
# values a contract may expand to through aliases: bounds a "billion laughs" document
MAX_VALUES = 200_000


class YamlSyntaxError(ValueError):
    """The text is not one well-formed YAML 1.2 document, or repeats a key."""

    def __init__(self, message: str, line: int | None, path: Path_ = ()) -> None:
        super().__init__(message)
        self.message, self.line, self.path = message, line, path


def load_with_lines(text: str) -> tuple[Any, dict[Path_, int]]:
    """Parse one YAML document; return the data and a map from field path to 1-based line."""
    try:
        node = _compose(text)
    except MarkedYAMLError as exc:
        mark, start = exc.problem_mark, exc.context_mark
        problem = exc.problem or exc.context or "not YAML"
        if exc.context and start is not None and exc.problem:
            problem += f" ({exc.context} started at line {start.line + 1})"
        raise YamlSyntaxError(problem, mark.line + 1 if mark else None) from exc
    except YAMLError as exc:
        raise YamlSyntaxError(str(exc).splitlines()[0], None) from exc
    lines: dict[Path_, int] = {}
    if node is None:
        return None, lines
    return _build(node, (), lines, set(), [0]), lines


def _compose(text: str) -> Node | None:
    """The node tree: libyaml's C parser through ruamel.yaml.clib when installed (the quicker),
    else ruamel's own; ruamel's YAML 1.2 resolver tags the scalars either way. On a
    syntax error the pure parser answers, as it words errors better."""
    if _CLoader is not None:
        loader = _CLoader(text)
        try:
            return loader.get_single_node()
        except MarkedYAMLError:
            pass
        finally:
            loader.dispose()
    return YAML(typ="safe", pure=True).compose(text)


def _build(
    node: Node, path: Path_, lines: dict[Path_, int], open_: set[int], count: list[int]
) -> Any:
    count[0] += 1
    if count[0] > MAX_VALUES:
        raise YamlSyntaxError(
            f"the document expands to more than {MAX_VALUES} values (aliases?)",
            node.start_mark.line + 1,
            path,
        )
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, ScalarNode):
        return _scalar(node)
    if id(node) in open_:  # an alias of one of its own parents
        raise YamlSyntaxError("a recursive alias", node.start_mark.line + 1, path)
    open_.add(id(node))
    try:
        if isinstance(node, SequenceNode):
            return [
                _build(item, (*path, i), lines, open_, count) for i, item in enumerate(node.value)
            ]
        if isinstance(node, MappingNode):
            return _mapping(node, path, lines, open_, count)
    finally:
        open_.discard(id(node))
    raise YamlSyntaxError(f"unexpected YAML node {type(node).__name__}", None, path)


def _mapping(
    node: MappingNode, path: Path_, lines: dict[Path_, int], open_: set[int], count: list[int]
) -> Any:
    out: dict[str, Any] = {}
    first: dict[str, int] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, ScalarNode):
            raise YamlSyntaxError("a mapping key must be a plain value", line, path)
        key = str(key_node.value)
        if key in first:
            raise YamlSyntaxError(
                f"duplicate key {key!r} (first at line {first[key]}, again at line {line})",
                line,
                (*path, key),
            )
        first[key] = line
        lines[(*path, key)] = line
        out[key] = _build(value_node, (*path, key), lines, open_, count)
    return out


def _scalar(node: ScalarNode) -> Any:
    """A scalar's value. Quoted and block scalars, and tags other than the core schema's
    bool/int/float/null, are strings."""
    value, tag = node.value, str(node.tag)
    if node.style not in (None, "") or not tag.startswith(_TAG):
        return value
    tag_name = tag[len(_TAG) :]
    if tag_name == "null" and value in _NULL:
        return None
    if tag_name == "bool" and value in _TRUE | _FALSE:
        return value in _TRUE
    if tag_name == "int":
        if _DECIMAL.fullmatch(value):
            return int(value)
        if _OCTAL.fullmatch(value):
            return int(value[2:], 8)
        if _HEX.fullmatch(value):
            return int(value[2:], 16)
    if tag_name == "float":
        if _FLOAT.fullmatch(value):
            return float(value)
        if _INF.fullmatch(value):
            return -math.inf if value.startswith("-") else math.inf
        if _NAN.fullmatch(value):
            return math.nan
    return value


def line_for(lines: dict[Path_, int], path: Path_) -> int | None:
    """The line of `path`, or of its nearest parent that has one."""
    for cut in range(len(path), -1, -1):
        if path[:cut] in lines:
            return lines[path[:cut]]
    return None


def format_path(path: Path_) -> str:
    """`('schema', 0, 'properties', 2, 'name')` -> `schema[0].properties[2].name`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text

"""Load YAML keeping the line of every key, so errors can point at the line."""

from __future__ import annotations

from typing import Any

import yaml

Path_ = tuple[str | int, ...]
# libyaml's parser when PyYAML was built with it: the same nodes and marks, several times faster
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_with_lines(text: str) -> tuple[Any, dict[Path_, int]]:
    """Parse one YAML document; return the data and a map from field path to 1-based line."""
    try:
        data, node = _compose(text, _Loader)
    except yaml.YAMLError:
        # PyYAML's own parser words its errors better ("expected ',' or '}', but got ...")
        data, node = _compose(text, yaml.SafeLoader)
    lines: dict[Path_, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def _compose(text: str, loader_class: type) -> tuple[Any, yaml.Node | None]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


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

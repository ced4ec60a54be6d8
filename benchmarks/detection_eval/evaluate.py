"""Scoring of column verdicts against the labels: column-level precision and recall of "is this
column personal", recall per category (a detected key counts when it equals the labelled key or
is its ancestor or descendant: `user.name` for a `user.name.first` column), and the misses."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from detection_eval.generate import EvalColumn


def related(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    by_category: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_tag: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)
    wrong_category: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / max(self.tp + self.fp, 1)

    @property
    def recall(self) -> float:
        return self.tp / max(self.tp + self.fn, 1)

    @property
    def category_recall(self) -> float:
        hit = sum(v[0] for v in self.by_category.values())
        total = sum(v[1] for v in self.by_category.values())
        return hit / max(total, 1)


def score(labels: list[EvalColumn], predicted: dict[tuple[str, str], set[str]]) -> Score:
    """`predicted[(table, column)]` is the set of categories reported for that column."""
    s = Score()
    for col in labels:
        found = predicted.get((col.table, col.column), set())
        name = f"{col.table}.{col.column}"
        if col.personal:
            s.by_tag[col.tag][1] += 1
            if found:
                s.tp += 1
                s.by_tag[col.tag][0] += 1
            else:
                s.fn += 1
                s.misses.append(f"{name} ({col.tag}: {', '.join(col.categories)})")
            for cat in col.categories:
                hit = any(related(f, cat) for f in found)
                s.by_category[cat][1] += 1
                s.by_category[cat][0] += int(hit)
                if found and not hit:
                    s.wrong_category.append(f"{name}: wanted {cat}, got {sorted(found)}")
        else:
            key = f"{col.tag} (negatives)"
            s.by_tag[key][1] += 1
            if found:
                s.fp += 1
                s.false_positives.append(f"{name} ({col.tag}): {sorted(found)}")
            else:
                s.tn += 1
                s.by_tag[key][0] += 1
    return s

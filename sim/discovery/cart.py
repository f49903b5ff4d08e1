"""A shallow classification tree as a second view on the same question PRIM answers.

PRIM finds one box; a tree shows several regions at once and which parameter splits first, so
the two together tell whether a box is the whole story.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # scikit-learn is imported where a tree is fitted: it takes a second to import
    from sklearn.tree import DecisionTreeClassifier

from sim.discovery.prim import check_cases


@dataclass(frozen=True)
class TreeView:
    """The fitted tree with a text rendering and how well it fits, to judge whether to trust it."""

    model: DecisionTreeClassifier
    text: str  # sklearn.tree.export_text with feature names = labels
    accuracy: float  # training accuracy
    base_rate: float  # share of y True


def fit_tree(
    X: pd.DataFrame,
    y: np.ndarray,
    labels: dict[str, str] | None = None,
    max_depth: int = 3,
    min_leaf_share: float = 0.02,
    seed: int = 0,
) -> TreeView:
    """Fit a depth-limited tree; leaves must hold `min_leaf_share` of the cases so none is a fluke.

    Training accuracy is reported against `base_rate`: a tree is only informative if it beats
    always guessing the majority class, max(base_rate, 1 - base_rate).
    """
    values, hits = check_cases(X, y)
    # Fitted on a frame with string column names, the model keeps them (feature_names_in_), so
    # a plot can label its splits later without being handed the column order again.
    frame = pd.DataFrame(values, columns=[str(c) for c in X.columns])
    if max_depth < 1:
        raise ValueError(f"max_depth must be at least 1, got {max_depth}")
    if not 0 <= min_leaf_share < 1:
        raise ValueError(f"min_leaf_share must lie in [0, 1), got {min_leaf_share}")
    from sklearn.tree import DecisionTreeClassifier, export_text

    model = DecisionTreeClassifier(
        max_depth=max_depth,
        min_samples_leaf=max(1, math.ceil(min_leaf_share * len(hits))),
        class_weight=None,
        random_state=seed,
    )
    model.fit(frame, hits)
    return TreeView(
        model=model,
        text=export_text(
            model, feature_names=feature_names(X.columns, labels), class_names=class_names(model)
        ),
        accuracy=float(model.score(frame, hits)),
        base_rate=float(hits.mean()),
    )


NODE_COLUMNS = ["node", "depth", "left", "right", "parameter", "threshold", "cases", "share_yes"]
LEAF = -1  # `left` and `right` of a leaf


def tree_nodes(view: TreeView) -> pd.DataFrame:
    """The fitted tree as a table, one row per node in sklearn's order (the root first): its
    depth, children (LEAF for none), the split (cases with `parameter` <= `threshold` go left;
    none at a leaf), how many cases reach it and the share of them that are of interest. The
    tree's plot is drawn from this table, so a result folder keeps it instead of the model."""
    tree = view.model.tree_
    columns = getattr(view.model, "feature_names_in_", [f"x{i}" for i in range(view.model.n_features_in_)])
    yes = list(view.model.classes_).index(True) if True in view.model.classes_ else None
    depth = [0] * tree.node_count
    rows = []
    for node in range(tree.node_count):  # a parent always comes before its children
        left, right = int(tree.children_left[node]), int(tree.children_right[node])
        for child in (left, right):
            if child != LEAF:
                depth[child] = depth[node] + 1
        value = tree.value[node][0]
        leaf = left == LEAF
        rows.append(
            {
                "node": node,
                "depth": depth[node],
                "left": left,
                "right": right,
                "parameter": "" if leaf else str(columns[tree.feature[node]]),
                "threshold": float("nan") if leaf else float(tree.threshold[node]),
                "cases": int(tree.n_node_samples[node]),
                "share_yes": 0.0 if yes is None else float(value[yes] / value.sum()),
            }
        )
    return pd.DataFrame(rows, columns=NODE_COLUMNS)


@dataclass(frozen=True)
class SavedTree:
    """A tree as a result folder keeps it: the nodes table (`tree_nodes`) and training accuracy."""

    nodes: pd.DataFrame
    accuracy: float

    @property
    def base_rate(self) -> float:
        """The share of all cases that are of interest: the root's."""
        return float(self.nodes["share_yes"].iloc[0])


def feature_names(columns: Iterable[object], labels: dict[str, str] | None) -> list[str]:
    """Readable names in column order; a column without a label keeps its own name."""
    labels = labels or {}
    return [labels.get(str(c), str(c)) for c in columns]


def class_names(model: DecisionTreeClassifier) -> list[str]:
    """The words "no"/"yes" for the classes the tree saw (only "yes" if every case is of interest)."""
    return ["yes" if c else "no" for c in model.classes_]

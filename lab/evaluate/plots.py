"""PNG plots with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

from pathlib import Path


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def recall_curves(curves: dict[str, list[float]], title: str, path: Path) -> Path:
    """curves: retriever name -> mean recall@k for k = 1..K."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    colors = plt.get_cmap("tab20").colors
    for i, (name, ys) in enumerate(curves.items()):
        if ys:
            style = "--" if name.startswith("lexical") else ":" if name.startswith("dense") else "-"
            ax.plot(range(1, len(ys) + 1), ys, label=name, linewidth=1.5, linestyle=style,
                    color=colors[i % len(colors)])
    ax.set_xscale("log")
    ax.set_xlabel("k (log scale)")
    ax.set_ylabel("recall@k")
    ax.set_ylim(0, 1)
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title(title)
    ax.legend(fontsize=7, loc="lower right")
    return _save(fig, plt, path)


def confusion(matrix: list[list[int]], labels: list[str], title: str, path: Path) -> Path:
    """Rows: gold, columns: predicted."""
    plt = _plt()
    n = len(labels)
    fig, ax = plt.subplots(figsize=(1.3 * n + 2.2, 1.1 * n + 1.8))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(n), labels, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(n), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    top = max((v for row in matrix for v in row), default=0)
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            ax.text(j, i, str(v), ha="center", va="center", color="white" if top and v > top / 2 else "black")
    ax.set_title(title, fontsize=9)
    return _save(fig, plt, path)


def threshold_curves(curves: dict[str, dict], title: str, path: Path) -> Path:
    """curves: class name -> metrics.threshold_curve output; precision and recall against the threshold."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (name, c), color in zip(curves.items(), ("tab:green", "tab:red", "tab:blue", "tab:orange")):
        t = c["thresholds"]
        ax.plot(t, [float("nan") if v is None else v for v in c["precision"]], color=color, label=f"{name} precision")
        ax.plot(t, [float("nan") if v is None else v for v in c["recall"]], color=color, linestyle="--",
                label=f"{name} recall")
    ax.axvline(0.5, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlabel("threshold on the class probability")
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    ax.set_title(title)
    ax.legend(fontsize=7)
    return _save(fig, plt, path)


def _save(fig, plt, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def precision_coverage(points: list[dict], title: str, path: Path) -> Path:
    """points: {"min_confidence", "coverage", "precision"} as the bar on a verdict's confidence rises."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    kept = [p for p in points if p["precision"] is not None]
    ax.plot([p["coverage"] for p in kept], [p["precision"] for p in kept], "o-")
    for p in kept:
        ax.annotate(f"{p['min_confidence']:.1f}", (p["coverage"], p["precision"]), fontsize=7,
                    textcoords="offset points", xytext=(4, 4))
    ax.set_xlabel("coverage (share of claims given supported / refuted)")
    ax.set_ylabel("precision of those verdicts")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.grid(True, alpha=0.3)
    ax.set_title(title)
    return _save(fig, plt, path)

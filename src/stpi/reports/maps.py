"""Choropleth maps from a map FeatureCollection (:func:`stpi.queries.maps.map_collection`).

Two renderings of the same shapes and colours: SVG shapes for the web pages (drawn by the server, so a
map needs no script, no tiles and no network, prints, and reads on a touch screen: every unit carries
its name and value as text), and a PNG for the bulletin (matplotlib). Longitudes are scaled by the cosine
of the map's mean latitude, which is close enough to an equal-area look at a province's scale.
"""

from __future__ import annotations

import io
import math
from typing import Any

from stpi.numbers import number

__all__ = ["LOW", "HIGH", "MISSING", "colour", "map_png", "svg_map"]

LOW, HIGH, MISSING = (222, 235, 247), (8, 81, 156), "#d9d9d9"  # ColorBrewer Blues ends; grey for no figure


def colour(value: float | None, low: float, high: float) -> str:
    """The fill of a value on the low–high scale (grey when there is none)."""
    if value is None:
        return MISSING
    t = 0.5 if high <= low else min(1.0, max(0.0, (value - low) / (high - low)))
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(LOW, HIGH))


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [ring for polygon in polygons for ring in polygon]


def _label_point(geometry: dict[str, Any]) -> tuple[float, float]:
    """The centroid of the unit's largest outer ring (shoelace), where its name is written."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    best, best_area = (0.0, 0.0), -1.0
    for polygon in polygons:
        ring = polygon[0]
        a = cx = cy = 0.0
        for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
            cross = x0 * y1 - x1 * y0
            a, cx, cy = a + cross, cx + (x0 + x1) * cross, cy + (y0 + y1) * cross
        if abs(a) > best_area and a:
            best, best_area = (cx / (3 * a), cy / (3 * a)), abs(a)
    return best


def _area(geometry: dict[str, Any]) -> float:
    """The unit's area in square degrees (outer rings; enough to tell a small unit from a large one)."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return sum(abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(p[0], p[0][1:] + p[0][:1]))) / 2 for p in polygons)


def _number(value: float | None) -> str:
    return number(value)


def svg_map(collection: dict[str, Any], *, width: float = 640.0, missing_text: str = "无数据") -> dict[str, Any]:
    """The map as SVG shapes: ``{"width", "height", "shapes": [{code, name, d, fill, text_fill, x, y, label, value}], "low", "high"}``."""
    features = collection["features"]
    points = [p for f in features for ring in _rings(f["geometry"]) for p in ring]
    if not points:
        return {"width": width, "height": 0.0, "shapes": [], "low": None, "high": None}
    lat0 = math.radians(sum(p[1] for p in points) / len(points))
    xs, ys = [p[0] * math.cos(lat0) for p in points], [p[1] for p in points]
    x_min, x_max, y_min, y_max = min(xs), max(xs), min(ys), max(ys)
    pad = 8.0
    scale = (width - 2 * pad) / max(x_max - x_min, 1e-9)
    height = (y_max - y_min) * scale + 2 * pad

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return pad + (lon * math.cos(lat0) - x_min) * scale, pad + (y_max - lat) * scale

    values = [f["properties"].get("value") for f in features if f["properties"].get("value") is not None]
    low, high = (min(values), max(values)) if values else (0.0, 0.0)
    shapes = []
    for f in features:
        props = f["properties"]
        d = " ".join("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in (xy(lon, lat) for lon, lat in ring)) + " Z" for ring in _rings(f["geometry"]))
        fill = colour(props.get("value"), low, high)
        dark = props.get("value") is not None and high > low and (props["value"] - low) / (high - low) > 0.55
        x, y = xy(*_label_point(f["geometry"]))
        leader = None
        if _area(f["geometry"]) * math.cos(lat0) * scale * scale < 0.004 * width * height:  # too small to write in: beside it, with a leader line
            leader = (round(x, 1), round(y, 1))
            x, y, dark = max(30.0, x - 0.06 * width), max(14.0, y - 0.08 * height), False
        shapes.append({"code": props["code"], "name": props.get("name", ""), "d": d, "fill": fill, "text_fill": "#ffffff" if dark else "#1a1a1a",
                       "on_dark": dark, "leader": leader,
                       "x": round(x, 1), "y": round(y, 1), "value": props.get("value"), "rank": props.get("rank"),
                       "label": _number(props.get("value")) if props.get("value") is not None else missing_text})
    return {"width": width, "height": round(height, 1), "shapes": shapes, "low": low if values else None, "high": high if values else None,
            "low_fill": colour(low, low, high), "high_fill": colour(high, low, high)}


def map_png(collection: dict[str, Any], *, title: str, caption: str, dpi: int = 150) -> bytes:
    """The map as a PNG for documents: the same colours, each unit named with its value, a colour bar, and the caption beneath."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import patheffects
    from matplotlib.colors import LinearSegmentedColormap, Normalize
    from matplotlib.patches import Polygon

    from stpi.reports.charts import cjk_font  # the CJK font the other charts use

    shape = svg_map(collection, width=1000.0)
    family = cjk_font()
    fig, ax = plt.subplots(figsize=(6.3, max(2.5, 6.3 * shape["height"] / 1000.0 + 0.8)), dpi=dpi)
    for f, s in zip(collection["features"], shape["shapes"]):
        for ring in _rings(f["geometry"]):
            ax.add_patch(Polygon([(x * 1.0, y) for x, y in ring], closed=True, facecolor=s["fill"], edgecolor="white", linewidth=0.8))
    ax.autoscale_view()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    whole = (x1 - x0) * (y1 - y0)
    for f, s in zip(collection["features"], shape["shapes"]):
        cx, cy = _label_point(f["geometry"])
        text = f"{s['name']}\n{s['label']}"
        halo = [patheffects.withStroke(linewidth=2, foreground="white" if s["text_fill"] != "#ffffff" else s["fill"])]
        if _area(f["geometry"]) < 0.004 * whole:  # too small to write in: beside it, with a leader line
            ax.annotate(text, (cx, cy), xytext=(cx - 0.06 * (x1 - x0), cy + 0.08 * (y1 - y0)), ha="center", va="bottom", fontsize=6.5, color="#1a1a1a",
                        fontfamily=family, arrowprops={"arrowstyle": "-", "color": "#555555", "linewidth": 0.6}, path_effects=[patheffects.withStroke(linewidth=2, foreground="white")])
        else:
            ax.text(cx, cy, text, ha="center", va="center", fontsize=6.5, color=s["text_fill"], fontfamily=family, path_effects=halo)
    lat0 = sum(ax.get_ylim()) / 2
    ax.set_aspect(1 / math.cos(math.radians(lat0)))
    ax.axis("off")
    ax.set_title(title, fontfamily=family, fontsize=10)
    if shape["low"] is not None:
        cmap = LinearSegmentedColormap.from_list("stpi_blues", [shape["low_fill"], shape["high_fill"]])
        bar = fig.colorbar(plt.cm.ScalarMappable(norm=Normalize(shape["low"], shape["high"]), cmap=cmap), ax=ax, orientation="horizontal", fraction=0.04, pad=0.02)
        bar.ax.tick_params(labelsize=7)
    fig.text(0.5, 0.01, caption, ha="center", va="bottom", fontsize=6.5, color="#555555", fontfamily=family, wrap=True)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()

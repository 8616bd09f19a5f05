"""Altair chart specs for the dashboard and the quarterly report (no streamlit here: tested via
.to_dict(); rendered by st.altair_chart on screen and by vl-convert to PNG in documents)."""
from __future__ import annotations

import altair as alt
import pandas as pd

FONT = "Noto Sans CJK SC"


WALL_TEXT, WALL_GRID = "#e5e7eb", "#334155"  # the big screen: light text on a dark wall, read from across a room


def _themed(chart: alt.Chart, *, height: int, wall: bool = False) -> alt.Chart:
    if wall:
        return chart.properties(height=height, background="transparent").configure_axis(
            labelFont=FONT, titleFont=FONT, labelFontSize=18, titleFontSize=18, labelColor=WALL_TEXT,
            titleColor=WALL_TEXT, gridColor=WALL_GRID, domainColor=WALL_GRID, tickColor=WALL_GRID, labelLimit=260,
        ).configure_legend(labelFont=FONT, titleFont=FONT, labelFontSize=18, titleFontSize=18, labelColor=WALL_TEXT,
                           titleColor=WALL_TEXT).configure_title(font=FONT, color=WALL_TEXT).configure_view(stroke=None)
    return chart.properties(height=height).configure_axis(labelFont=FONT, titleFont=FONT) \
        .configure_legend(labelFont=FONT, titleFont=FONT).configure_title(font=FONT)


def weekly_trend(frame: pd.DataFrame, *, received: str, closed: str, week: str, height: int = 260,
                 wall: bool = False) -> alt.Chart:
    """Cases received and closed per week (core.kpi.weekly)."""
    # the week's Monday as text: a local date must not drift a day through the browser's time zone
    data = frame.assign(week=pd.to_datetime(frame["week"]).dt.strftime("%m-%d"))
    long = data.rename(columns={"received": received, "closed": closed}).melt(
        id_vars="week", value_vars=[received, closed], var_name="series", value_name="n")
    chart = alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("week:O", title=week, sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("n:Q", title=None),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="top")),
        tooltip=["week:O", "series:N", "n:Q"])
    return _themed(chart, height=height, wall=wall)


def breakdown(frame: pd.DataFrame, *, received: str, closure: str, height: int = 320, wall: bool = False) -> alt.Chart:
    """Received per township or category, coloured by closure rate (core.kpi.by_group); a bar
    can be clicked (selection "pick" on the row's id)."""
    data = frame[["id", "name", "received", "closure_rate"]].rename(columns={"received": received,
                                                                         "closure_rate": closure})
    data["id"] = data["id"].map(lambda i: "none" if pd.isna(i) else str(int(i)))
    pick = alt.selection_point(name="pick", fields=["id"])
    chart = alt.Chart(data).mark_bar(cursor="pointer").add_params(pick).encode(
        y=alt.Y("name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X(f"{received}:Q"),
        color=alt.Color(f"{closure}:Q", scale=alt.Scale(domain=[0.5, 1], scheme="redyellowgreen", clamp=True),
                        legend=alt.Legend(format="%")),
        tooltip=["name:N", f"{received}:Q", alt.Tooltip(f"{closure}:Q", format=".1%")])
    return _themed(chart, height=height, wall=wall)

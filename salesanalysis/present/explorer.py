"""The KPI explorer's widgets: pick a KPI, a scope, filters, a grain, a period range
and a comparison; see tiles, a trend and the table one level down; drill into a row,
ask why, export the table.

``Explorer(workbook)`` shows itself in JupyterLab; in an exported HTML page (no kernel)
it shows its current view as static tiles, chart and table. Every number comes from
:func:`salesanalysis.reports.explorer.explore`.
"""

from __future__ import annotations

import asyncio
import html
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import ipywidgets as w
import pandas as pd

from ..errors import InvalidArgumentError, SalesAnalysisError
from ..kpi.periods import Period
from ..kpi.units import use_currency
from ..layout import safe_name
from ..reports import explorer as ex
from . import explorer_parts as parts, explorer_widgets as widgets, plots
from ..store.roster import rep_label
from .tiles import Tiles

__all__ = ["Explorer", "DEBOUNCE_SECONDS"]

DEBOUNCE_SECONDS = 0.3  # changes closer together than this make one update
_DEFAULT_PERIODS = {"week": 13, "month": 12, "quarter": 8, "year": 5}
_GROUP_TITLES = {"activity": "Activity", "funnel": "Funnel", "results": "Results",
                 "customers": "Customers", "pipeline": "Pipeline"}
_AUTO_WIDTH = {"button_width": "auto"}
_ALL = ""  # the dropdown value meaning "no choice": every department, team, rep, value


class Explorer:
    """One KPI at a time, for any scope and selection of the workbook.

    Parameters
    ----------
    workbook : Workbook
    metric : str
        The KPI shown first (see ``salesanalysis.kpi.kpis()``).
    period : str, optional
        The last period shown first; by default the last full period of ``grain``.
    grain : {"week", "month", "quarter", "year"}
    periods : int
        How many periods the trend shows first.
    comparison : {"target", "previous", "last_year"}
    debounce : float
        Seconds to wait after a change for the next one before updating (0: at once).
    export_dir : path
        Where the export buttons write the table.
    """

    def __init__(self, workbook, *, metric: str = "revenue", period: str | None = None,
                 grain: str = "month", periods: int = 12, comparison: str = "target",
                 debounce: float = DEBOUNCE_SECONDS, export_dir="exports"):
        self.workbook = workbook
        self.debounce = debounce
        self.export_dir = Path(export_dir)
        self.refreshes = 0  # how many times the view was computed or drawn
        self.view: ex.View | None = None
        self._cache: dict[ex.Selection, ex.View] = {}
        self._pending = None
        self._quiet = False
        self._sort: tuple[str, bool] = ("actual", False)
        use_currency(workbook.settings().get("currency"))
        self._menu = ex.kpi_menu(workbook)
        self._people = ex.scopes(workbook)
        first = ex.default_selection(workbook, kpi_name=metric, grain=grain, period=period,
                                     periods=periods, comparison=comparison)
        self._build(first)
        self.refresh()

    # -- the controls ---------------------------------------------------------------------
    def _build(self, first: ex.Selection) -> None:
        groups = list(dict.fromkeys(self._menu["group"]))
        start_group = self._menu.set_index("name")["group"].get(first.kpi, groups[0])
        self.group = w.ToggleButtons(options=[(_GROUP_TITLES.get(g, g.title()), g)
                                              for g in groups], value=start_group,
                                     description="KPIs", style=_AUTO_WIDTH)
        self.kpi = w.Dropdown(options=self._kpi_options(start_group), value=first.kpi,
                              description="KPI", layout=w.Layout(width="360px"))
        self.formula = w.HTML()
        self.department = w.Dropdown(description="Department")
        self.team = w.Dropdown(description="Team")
        self.rep = w.Dropdown(description="Rep")
        self._scope_options()
        self.filters = {dim: w.Dropdown(options=[(f"any {dim}", _ALL), *((v, v) for v in values)], value=_ALL,
                                        description=dim.title())
                        for dim, values in ex.filter_values(self.workbook).items()}
        self.grain = w.ToggleButtons(options=[g.title() for g in _DEFAULT_PERIODS],
                                     value=first.grain.title(), description="Grain",
                                     style=_AUTO_WIDTH)
        self.periods = w.SelectionRangeSlider(options=[first.first, first.last],
                                              description="Periods", continuous_update=False,
                                              layout=w.Layout(width="640px"))
        self._range_options(first.grain, first.first, first.last)
        self.comparison = w.ToggleButtons(options=[(ex.COMPARISON_WORDS[c].capitalize(), c)
                                                   for c in ex.COMPARISONS],
                                          value=first.comparison, description="Compare",
                                          style=_AUTO_WIDTH)
        self.status = w.HTML()
        self.message = w.HTML()
        self.tiles = w.HTML()
        self.chart = w.Image(format="png", layout=w.Layout(max_width="820px"))
        self.breadcrumb = w.HBox()
        self.table = w.VBox()
        self.why_button = w.Button(description="Why?", tooltip="explain the gap of the last "
                                   "period against the comparison", button_style="info")
        self.why_result = w.VBox()
        self.csv_button = w.Button(description="Export CSV")
        self.excel_button = w.Button(description="Export Excel")
        self.export_result = w.HTML()
        self.why_button.on_click(lambda _: self.why())
        self.csv_button.on_click(lambda _: self.export("csv"))
        self.excel_button.on_click(lambda _: self.export("xlsx"))
        self.group.observe(self._group_changed, "value")
        self.department.observe(self._department_changed, "value")
        self.team.observe(self._team_changed, "value")
        self.grain.observe(self._grain_changed, "value")
        for control in (self.kpi, self.rep, self.periods, self.comparison,
                        *self.filters.values()):
            control.observe(lambda _: self._schedule(), "value")
        controls = w.VBox([
            w.HBox([self.group]), w.HBox([self.kpi, self.formula]),
            w.HBox([self.department, self.team, self.rep]),
            w.HBox(list(self.filters.values()), layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.grain]), self.periods, w.HBox([self.comparison])])
        self.widget = w.VBox([
            controls, self.status, self.message, self.tiles, self.chart, self.breadcrumb,
            self.table, w.HBox([self.why_button, self.csv_button, self.excel_button]),
            self.export_result, self.why_result], layout=w.Layout(width="100%"))
        self.widget.add_class("sa-explorer")

    def _kpi_options(self, group: str) -> list[tuple[str, str]]:
        part = self._menu[self._menu["group"] == group]
        return [(f"{r.label} ({plots.UNIT_LABELS.get(r.unit, r.unit)})"
                 + ("" if r.available else " - needs data"), r.name)
                for r in part.itertuples()]

    def _scope_options(self) -> None:
        people = self._people
        with self._held(self.department, self.team, self.rep):
            departments = sorted(people["department"].dropna().unique())
            parts.offer(self.department, [("All departments", _ALL), *((d, d) for d in departments)])
            self.department.layout.display = None if departments else "none"
            self._team_options()

    def _team_options(self) -> None:
        people = self._people
        if self.department.value:
            people = people[people["department"] == self.department.value]
        teams = sorted(people["team"].dropna().unique())
        parts.offer(self.team, [("All teams", _ALL), *((t, t) for t in teams)])
        self.team.layout.display = None if teams else "none"
        self._rep_options()

    def _rep_options(self) -> None:
        people = self._people
        if self.department.value:
            people = people[people["department"] == self.department.value]
        if self.team.value:
            people = people[people["team"] == self.team.value]
        parts.offer(self.rep, [("All reps", _ALL), *((rep_label(r.name, r.rep_id), r.rep_id)
                                                for r in people.itertuples())])

    def _range_options(self, grain: str, first: str | None, last: str | None) -> None:
        labels = ex.period_labels(self.workbook, grain, also=(first, last))
        last = last if last in labels else labels[-1]
        at = labels.index(last)
        first = first if first in labels and labels.index(first) <= at else \
            labels[max(0, at + 1 - _DEFAULT_PERIODS[grain])]
        with self._held(self.periods):
            self.periods.options = labels
            self.periods.value = (first, last)

    @contextmanager
    def _held(self, *controls):
        """Change ``controls`` together: none schedules an update of its own, and their
        new state reaches the browser in one message each (``hold_sync``)."""
        quiet, self._quiet = self._quiet, True
        try:
            with ExitStack() as stack:
                for control in controls:
                    stack.enter_context(control.hold_sync())
                yield
        finally:
            self._quiet = quiet

    def _group_changed(self, change) -> None:
        if self._quiet:
            return
        with self._held(self.kpi):
            self.kpi.options = self._kpi_options(change["new"])
            self.kpi.value = self.kpi.options[0][1]
        self._schedule()

    def _department_changed(self, _) -> None:
        if not self._quiet:
            with self._held(self.team, self.rep):
                self._team_options()
            self._schedule()

    def _team_changed(self, _) -> None:
        if not self._quiet:
            with self._held(self.rep):
                self._rep_options()
            self._schedule()

    def _grain_changed(self, change) -> None:
        if not self._quiet:
            self._regrain(change["new"].lower())
            self._schedule()

    def _regrain(self, grain: str) -> None:
        """The period range in ``grain``, ending in the period that holds the last day shown."""
        last = Period.parse(self.periods.value[1]).last
        self._range_options(grain, None, Period.containing(last, grain).label)

    # -- what is selected, and changing it --------------------------------------------------
    @property
    def selection(self) -> ex.Selection:
        first, last = self.periods.value
        return ex.Selection(
            kpi=self.kpi.value, department=self.department.value or None,
            team=self.team.value or None, rep=self.rep.value or None,
            grain=self.grain.value.lower(), first=first, last=last,
            comparison=self.comparison.value,
            filters=tuple((d, c.value) for d, c in self.filters.items() if c.value))

    def select(self, **values) -> None:
        """Set several controls at once (``kpi="win_rate", segment="SMB",
        periods=("2025-01", "2025-06")``): one update. Scope values narrow the dropdowns
        below them as a person choosing them would."""
        controls = {"kpi": self.kpi, "department": self.department, "team": self.team,
                    "rep": self.rep, "comparison": self.comparison, **self.filters}
        unknown = set(values) - set(controls) - {"grain", "periods"}
        if unknown:
            raise InvalidArgumentError(f"select() has no control {', '.join(sorted(unknown))}; "
                                          f"it has {', '.join([*controls, 'grain', 'periods'])}")
        with self._held(self.group, self.grain, self.periods, *controls.values()):
            if "kpi" in values:
                group = self._menu.set_index("name")["group"].get(values["kpi"])
                if group and group != self.group.value:
                    self.group.value = group
                    self.kpi.options = self._kpi_options(group)
            if "grain" in values:
                self.grain.value = values["grain"].title()
                self._regrain(values["grain"])
            if "periods" in values:
                self.periods.value = tuple(values["periods"])
            for name in ("department", "team", "rep"):
                if name in values:
                    controls[name].value = values[name] or _ALL
                    if name == "department":
                        self._team_options()
                    elif name == "team":
                        self._rep_options()
            for name, value in values.items():
                if name in controls and name not in ("department", "team", "rep"):
                    controls[name].value = _ALL if value is None and name in self.filters \
                        else value
        self._schedule()

    def drill(self, member: str) -> None:
        """Look at ``member`` of the table (a department, team or rep) instead."""
        level = self.view.child_level if self.view else None
        if level is None:
            return
        if level == "rep":
            row = self._people[self._people["rep_id"] == member].iloc[0]
            self.select(department=row["department"], team=row["team"], rep=member)
        elif level == "team":
            department = self._people.loc[self._people["team"] == member, "department"]
            self.select(department=department.iloc[0] if len(department) else None,
                        team=member, rep=None)
        else:
            self.select(department=member, team=None, rep=None)

    def up(self, level: str) -> None:
        """Back up to ``level`` (company, department or team) of the current scope."""
        keep = ex.LEVELS[1:ex.LEVELS.index(level) + 1]
        self.select(**{lv: getattr(self.selection, lv) if lv in keep else None
                       for lv in ("department", "team", "rep")})

    def sort(self, column: str) -> None:
        """Sort the table by ``column``; again to reverse."""
        same = self._sort[0] == column
        self._sort = (column, not self._sort[1] if same else column == "name")
        self._draw_table()

    def _schedule(self) -> None:
        if self._quiet:
            return
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if self.debounce <= 0 or loop is None:
            self.refresh()
        else:
            self._pending = loop.call_later(self.debounce, self.refresh)

    # -- the view ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Compute (or take from the cache) the view of the selection and draw it."""
        self._pending = None
        started = time.perf_counter()
        selection = self.selection
        cached = selection in self._cache
        try:
            view = self._cache[selection] if cached else ex.explore(self.workbook, selection)
        except (SalesAnalysisError, ValueError) as exc:
            view = ex.View(selection, message=str(exc))
        self._cache[selection] = view
        self.view = view
        self.refreshes += 1
        self._draw()
        took = time.perf_counter() - started
        date = view.data_date.date() if view.data_date is not None else "unknown"
        self.status.value = (f'<span class="sa-status">Data as of {date} &middot; updated in '
                             f'{took:.2f} s{" (from the cache)" if cached else ""}</span>')

    def _draw(self) -> None:
        view, spec = self.view, self._menu.set_index("name").loc[self.selection.kpi]
        self.formula.value = parts.formula(spec["formula"], spec["unit"])
        self.why_result.children = ()
        self.export_result.value = ""
        notes = "".join(f'<p class="sa-note">{html.escape(n)}</p>' for n in view.notes)
        if view.message:
            self.message.value = (f'<p class="sa-unavailable" role="status"><b>Not available:</b> '
                                  f"{html.escape(view.message)}</p>{notes}")
            self.tiles.value, self.chart.value = "", b""
            self.chart.layout.display = "none"
        else:
            self.message.value = notes
            self.chart.value = parts.png(lambda ax: parts.trend(self.view, ax=ax))
            self.chart.layout.display = None
        self._draw_breadcrumb()
        self._draw_table()
        if not view.message:  # last: when its numbers change, the rest has changed
            self.tiles.value = self.tile_set()._repr_html_()

    def tile_set(self) -> Tiles:
        """The tiles of the current view."""
        return parts.tiles(self.view)

    def _draw_breadcrumb(self) -> None:
        selection = self.selection
        steps = [("company", "Whole company")] + [
            (lv, rep_label(self._name(v), v) if lv == "rep" else v)
            for lv in ("department", "team", "rep") if (v := getattr(selection, lv))]
        self.breadcrumb.children = widgets.breadcrumb(steps, on_up=self.up)

    def table_frame(self) -> pd.DataFrame:
        """The table one level down, sorted as shown."""
        table = self.view.table if self.view is not None else pd.DataFrame()
        if table.empty:
            return table
        column, ascending = self._sort
        column = column if column in table else "actual"
        return table.sort_values(column, ascending=ascending, kind="stable",
                                 na_position="last").reset_index(drop=True)

    def _draw_table(self) -> None:
        frame = self.table_frame()
        self.table.children = () if frame.empty else widgets.table(
            self.view, frame, sort=self._sort, period=self.selection.last,
            on_sort=self.sort, on_drill=self.drill)

    def _name(self, rep_id) -> str:
        found = self._people.loc[self._people["rep_id"] == rep_id, "name"]
        return found.iloc[0] if len(found) else rep_id

    # -- why, export, and the static page -------------------------------------------------
    def why(self):
        """Explain the gap of the last period against the comparison, under the table."""
        found = ex.why(self.workbook, self.selection)
        self.why_result.children = widgets.why(found)
        return found

    def export(self, kind: str = "csv") -> Path | None:
        """Write the current table (the trend when there is none) to ``export_dir`` as
        CSV or Excel; the path, or None when there is nothing to write."""
        frame = self.table_frame()
        if frame.empty and self.view is not None and not self.view.trend.empty:
            frame = self.view.trend.drop(columns="period_start")
        if frame.empty:
            self.export_result.value = "<p>Nothing to export for this selection.</p>"
            return None
        s = self.selection
        name = safe_name("-".join([s.kpi, s.scope_id or "company", *(v for _, v in s.filters),
                                   s.first, s.last]))
        path = parts.save(frame, self.export_dir / name, kind=kind, sheet=s.kpi)
        self.export_result.value = (f'<p>Saved <a href="{html.escape(path.as_posix())}" '
                                    f'download>{html.escape(str(path))}</a></p>')
        return path

    def static_html(self) -> str:
        """The current view as a page shows it without a kernel: selection, tiles,
        chart and table."""
        return parts.static_page(self.view, self.table_frame(), notes=self.message.value,
                                 tiles=self.tiles.value, chart=self.chart.value)

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs) or {}
        bundle["text/html"] = self.static_html()
        return bundle



"""The ``salesanalysis`` command: import data, build the demo, describe a workbook, run
the report notebooks, keep the action log."""

from __future__ import annotations

import argparse
import re
import sys
import time
import traceback
from pathlib import Path

from .errors import (BatchError, DataValidationError, SalesAnalysisError, SourceError,
                     WorkbookError)
from .ingest.report import problems_by_reason
from .demo.profiles import PROFILES as _PROFILES

__all__ = ["main"]


def _import(args) -> int:
    from .kpi.registry import describe_coverage
    from .store.workbook import open_workbook

    with open_workbook(args.workbook) as wb:
        report = wb.import_data(args.source, mapping=args.mapping, table=args.table,
                                strict=args.strict, dayfirst=args.dayfirst,
                                decimal=args.decimal, encoding=args.encoding,
                                as_of=args.as_of, keep_deleted=args.keep_deleted,
                                progress=not args.quiet)
        if args.currency:
            wb.set_setting("currency", args.currency)
        allows = describe_coverage(wb)
    print(report)
    print(allows)
    if not report.ok:
        print(f"{len(report.rejects):,} problem(s) on rejected rows are stored in the "
              f"workbook: salesanalysis info --workbook {args.workbook}", file=sys.stderr)
    if report.lost_tables:
        print(f"salesanalysis import: every row of {', '.join(report.lost_tables)} was "
              "rejected", file=sys.stderr)
    return report.exit_code


def _map(args) -> int:
    import yaml

    from .ingest.mapping_file import read_mapping, shipped_mappings
    from .ingest.propose import propose
    from .ingest.recognise import bind, recognise
    from .ingest.samples import read_samples

    samples = read_samples(args.files)
    if not samples:
        raise SourceError(f"no CSV, Parquet or Excel table in {', '.join(args.files)}")
    found = None
    if args.crm:
        mapping, notes = bind(read_mapping(args.crm), samples)
        found = (args.crm, mapping, notes)
    else:
        found = recognise(samples)
    if found is not None:
        name, mapping, notes = found
        data = yaml.safe_load(shipped_mappings()[name].read_text(encoding="utf-8"))
        for entry in mapping.tables.values():  # the files read by their headers
            if entry.name in data.get("tables", {}):
                data["tables"][entry.name]["source"] = list(entry.sources)
        text = (f"# {'Recognised as' if not args.crm else 'Read as'} {name}: "
                f"{mapping.description}\n# The shipped file, with comments on each "
                f"column: templates/mappings/{name}.yaml\n"
                + "".join(f"# {note}\n" for note in notes)
                + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        print(f"recognised as {name}: {mapping.description}" if not args.crm
              else f"read as {name}", file=sys.stderr)
    else:
        text, _ = propose(samples)
        print("no shipped format recognised; proposed a mapping from the headers and "
              "values", file=sys.stderr)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}; import with: salesanalysis import "
              f"{' '.join(args.files)} --workbook WORKBOOK --mapping {args.out}",
              file=sys.stderr)
    else:
        print(text, end="")
    return 0


def _rejects(args) -> int:
    from .store.workbook import open_workbook

    with open_workbook(args.workbook, read_only=True) as wb:
        rejects = wb.rejects(args.import_id)
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() == ".xlsx":
            rejects.to_excel(out, index=False)
        else:
            rejects.to_csv(out, index=False)
        print(f"wrote {len(rejects):,} rejected row problem(s) to {out}")
    elif rejects.empty:
        print("no rejected rows")
    else:
        import pandas as pd

        with pd.option_context("display.max_rows", None, "display.max_colwidth", 80,
                               "display.width", 200):
            print(rejects.to_string(index=False))
    return 0


def _currency_code(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{3}", text.strip()):
        raise argparse.ArgumentTypeError(f"a currency is a three-letter ISO code such as EUR "
                                         f"or USD; got {text!r}")
    return text.strip().upper()


def _demo(args) -> int:
    from . import demo
    from .store.workbook import open_workbook

    path = Path(args.workbook)
    if path.is_dir():
        raise WorkbookError(f"--workbook {path} is a folder; name the workbook file, such as "
                            f"{path / 'demo.duckdb'}")
    started = time.perf_counter()
    if args.profile != "full":
        report = demo.build_profile(path, args.profile, reps=args.reps, weeks=args.weeks,
                                    seed=args.seed, start=args.start,
                                    progress=not args.quiet)
        with open_workbook(path) as wb:
            wb.set_setting("currency", args.currency)
        print(report)
        print(f"demo workbook {path} ({args.profile}: {demo.PROFILES[args.profile]}) built in "
              f"{time.perf_counter() - started:.1f} s")
        return 0
    tables = demo.generate(reps=args.reps, weeks=args.weeks, seed=args.seed, start=args.start)
    if args.export:
        written = demo.write_tables(tables, args.export, format=args.format)
        print(f"wrote {len(written)} {args.format} files to {args.export}")
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    data_date = demo.export_date(args.start, args.weeks).date()
    with open_workbook(path) as wb:
        report = wb.import_data(tables, as_of=data_date, progress=not args.quiet)
        wb.set_setting("currency", args.currency)
        agreed = demo.seed_action_log(wb, seed=args.seed)
    print(report)
    print(f"action log: {len(agreed)} actions agreed at the reviews of "
          f"{agreed['period'].iloc[0] if len(agreed) else 'the month before'}")
    print(f"demo workbook {path} built in {time.perf_counter() - started:.1f} s "
          f"(data date {data_date}); planted patterns:")
    for pattern, where in demo.planted(args.reps).items():
        print(f"  {pattern:<22} {where}")
    return 0


def _info(args) -> int:
    from .kpi.registry import describe_coverage
    from .store.workbook import open_workbook

    with open_workbook(args.workbook, read_only=True) as wb:
        info = wb.info()
        imports = wb.imports()
        rejects = wb.rejects()
        data_date, source = wb.data_date_source()
        allows = describe_coverage(wb)
    print(f"workbook {args.workbook}: {len(imports)} import(s); data date "
          f"{data_date:%Y-%m-%d} ({source})")
    for row in info.itertuples():
        span = f"  {row.first} .. {row.last}" if row.rows and row.first is not None else ""
        print(f"  {row.table:<20} {row.rows:>12,}{span}")
    if len(imports):
        last = imports.iloc[-1]
        print(f"latest import {last.import_id} at {last.finished_at:%Y-%m-%d %H:%M}: "
              f"read {last.rows_read:,}, accepted {last.accepted:,}, "
              f"rejected {last.rejected:,}, flagged {last.flagged:,}")
    if len(rejects):
        print("rejects by reason (latest import):")
        for row in problems_by_reason(rejects).itertuples():
            print(f"  {row.table}.{row.column}: {row.reason} x {row.problems:,}")
    print(allows)
    return 0


def _params(args) -> int:
    from .batch import describe

    print(describe(args.notebook))
    return 0


def _run(args) -> int:
    import pandas as pd

    from .batch import run_batch
    from .batch.specs import spec_for

    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise BatchError(f"--out {args.out} is a file; name a folder for the reports")
    spec = {p.name: p for p in spec_for(args.notebook)}
    extra = {}
    for name, value in args.parameter or []:
        extra[name] = spec[name].convert(value) if name in spec else value
    runs = run_batch(args.notebook, workbook=args.workbook, out=args.out, each=args.each,
                     reps=args.reps, team=args.team, period=args.period, parameters=extra,
                     jobs=args.jobs, timeout=args.timeout, html=args.html,
                     isolate=args.isolate, progress=not args.quiet)
    failed = runs[runs["status"] != "ok"]
    print(f"{len(runs) - len(failed)} of {len(runs)} run(s) ok; index: "
          f"{(Path(args.out) / 'index.html').resolve()}")
    for row in failed.itertuples():
        cell = "" if pd.isna(row.failing_cell) else f" in cell {row.failing_cell}"
        print(f"  failed: {row.name}{cell}: {row.error}", file=sys.stderr)
    return 1 if len(failed) else 0


def _actions(args) -> int:
    import pandas as pd

    from .analyses import actions
    from .store.workbook import open_workbook

    read_only = args.action in ("list", "export")
    with open_workbook(args.workbook, read_only=read_only) as wb:
        if args.action == "agree":
            shown = actions.agree(wb, rep=args.rep, period=args.period, rules=args.rules,
                                  only=args.rule)
        elif args.action == "add":
            action_id = actions.add(wb, rep=args.rep, text=args.text, period=args.period,
                                    kpi_name=args.kpi, direction=args.direction,
                                    owner=args.owner, due=args.due, criterion=args.criterion)
            shown = actions.log(wb)
            shown = shown[shown["action_id"] == action_id]
        elif args.action == "status":
            shown = actions.set_status(wb, args.ids, args.set, notes=args.notes)
        elif args.action == "export":
            print(f"wrote {actions.export(wb, args.out, rep=args.rep)}")
            return 0
        elif args.action == "import":
            print(actions.import_file(wb, args.file))
            return 0
        else:
            shown = actions.log(wb, rep=args.rep, status=args.status)
    columns = ["action_id", "rep_id", "period", "status", "due_at", "text"]
    with pd.option_context("display.max_colwidth", 60, "display.width", 160):
        print(shown[columns].to_string(index=False) if len(shown) else "no actions")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="salesanalysis",
                                     description="Sales-team performance workbook.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_add_import, _add_data_commands, _add_run, _add_actions):
        add(sub)
    return parser


def _add_import(sub) -> None:
    p = sub.add_parser("import", help="import a source into a workbook")
    p.add_argument("source", help="folder of CSV/Parquet files, CSV/Parquet/Excel file, "
                                  "DuckDB file or SQLAlchemy URL")
    p.add_argument("--workbook", required=True, help="workbook file (created if missing)")
    p.add_argument("--mapping", help="column mapping: a YAML file, a shipped mapping's name "
                   "(salesforce, salesforce_fivetran, hubspot_export, hubspot_fivetran, "
                   "pipedrive_export, pipedrive_api, odoo_export, spreadsheet) or auto "
                   "(recognise the export, else propose a mapping); default: identity")
    p.add_argument("--keep-deleted", action="store_true",
                   help="keep the rows the source marks deleted (left out by default)")
    p.add_argument("--table", help="canonical table of a single file whose name does not say")
    p.add_argument("--strict", action="store_true",
                   help="fail listing every problem instead of storing the good rows")
    p.add_argument("--dayfirst", action=argparse.BooleanOptionalAction, default=None,
                   help="read 03/04/2024 as 3 April")
    p.add_argument("--decimal", choices=[".", ","], help="decimal mark of the source")
    p.add_argument("--encoding", default="utf-8", help="text encoding of CSV files")
    p.add_argument("--as-of", help="the date the data stands at (the data date, and the date "
                   "of the opportunity snapshot); default: the latest event in the data")
    p.add_argument("--currency", type=_currency_code,
                   help="the ISO code the amounts are in (EUR, USD ...), written in reports")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_import)


def _add_data_commands(sub) -> None:
    p = sub.add_parser("map", help="recognise an export or propose a mapping for it")
    p.add_argument("files", nargs="+", help="the export's files or folders")
    p.add_argument("--crm", help="read it as this shipped mapping (salesforce, hubspot_export ...)")
    p.add_argument("--out", help="write the mapping to this YAML file (default: print it)")
    p.set_defaults(run=_map)

    p = sub.add_parser("rejects", help="every rejected row of an import: file, row, column, "
                                       "value, reason")
    p.add_argument("--workbook", required=True)
    p.add_argument("--import", dest="import_id", type=int,
                   help="the import (default: the latest)")
    p.add_argument("--out", help="write them to a .csv or .xlsx file")
    p.set_defaults(run=_rejects)

    p = sub.add_parser("demo", help="build a demo workbook with planted patterns")
    p.add_argument("--workbook", required=True, help="workbook file (replaced)")
    p.add_argument("--reps", type=int, default=24)
    p.add_argument("--weeks", type=int, default=104)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--start", default="2024-01-01", help="first Monday of the data")
    p.add_argument("--export", help="also write the tables as files to this folder")
    p.add_argument("--format", choices=["csv", "parquet"], default="csv")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--currency", type=_currency_code, default="EUR",
                   help="the ISO code of the demo's amounts (default EUR)")
    p.add_argument("--profile", default="full", choices=list(_PROFILES),
                   help="the demo cut down to what one kind of team keeps: "
                        + "; ".join(f"{k}: {v}" for k, v in _PROFILES.items()))
    p.set_defaults(run=_demo)

    p = sub.add_parser("info", help="tables, row counts, date ranges and rejects")
    p.add_argument("--workbook", required=True)
    p.set_defaults(run=_info)


def _add_run(sub) -> None:
    p = sub.add_parser("params", help="the parameters a report notebook accepts")
    p.add_argument("notebook", help="a notebook file or a report name (rep_review ...)")
    p.set_defaults(run=_params)

    p = sub.add_parser("run", help="run a report notebook per rep or team, with HTML")
    p.add_argument("notebook", help="a notebook file or a report name (rep_review ...)")
    p.add_argument("--workbook", required=True)
    p.add_argument("--out", required=True, help="output folder (index.html, runs.csv)")
    p.add_argument("--each", choices=["rep", "team"], help="one run per rep or per team")
    p.add_argument("--reps", nargs="+", help="only these reps (ids)")
    p.add_argument("--team", help="only this team's reps (with --each rep), or the team")
    p.add_argument("--period", help="the closed period, such as 2025-11 (default: last month)")
    p.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                   help="any other notebook parameter (see: salesanalysis params NOTEBOOK)")
    p.add_argument("--jobs", type=int, default=2, help="runs in parallel (default 2)")
    p.add_argument("--timeout", type=float, help="seconds a run may take before it is stopped")
    p.add_argument("--html", action="store_true", help="export each report to HTML")
    p.add_argument("--isolate", action="store_true",
                   help="a fresh kernel per run instead of one warm kernel per worker")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_run)


def _add_actions(sub) -> None:
    p = sub.add_parser("actions", help="the action log: agree, add, list, mark, export, import")
    verbs = p.add_subparsers(dest="action", required=True)
    v = verbs.add_parser("agree", help="record the actions a review's findings propose")
    v.add_argument("--rep", required=True)
    v.add_argument("--period", required=True, help="the review's period, such as 2025-11")
    v.add_argument("--rule", nargs="+", help="only these findings (rule names)")
    v.add_argument("--rules", help="a findings rules file (default templates/findings.yaml)")
    v = verbs.add_parser("add", help="record one action")
    v.add_argument("--rep", required=True)
    v.add_argument("--text", required=True, help="what will be done")
    v.add_argument("--period", help="the review's period")
    v.add_argument("--kpi", help="the KPI that shows success")
    v.add_argument("--direction", choices=["up", "down"], help="which way the KPI should move")
    v.add_argument("--owner")
    v.add_argument("--due", help="due date, such as 2025-12-19")
    v.add_argument("--criterion", help="how success is measured")
    v = verbs.add_parser("list", help="print the log")
    v.add_argument("--rep")
    v.add_argument("--status", choices=["open", "done", "dropped"])
    v = verbs.add_parser("status", help="mark actions done, dropped or open")
    v.add_argument("ids", nargs="+", help="action ids")
    v.add_argument("--set", required=True, choices=["open", "done", "dropped"])
    v.add_argument("--notes")
    v = verbs.add_parser("export", help="write the log to a .csv or .xlsx file to edit")
    v.add_argument("--out", required=True)
    v.add_argument("--rep")
    v = verbs.add_parser("import", help="read an edited log or meeting document back")
    v.add_argument("file")
    for v in verbs.choices.values():
        v.add_argument("--workbook", required=True)
    p.set_defaults(run=_actions)


def _os_message(exc: OSError) -> str:
    """An operating-system error said as what happened to which path."""
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print(f"salesanalysis {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # every failure ends in one message, never a traceback
        if args.debug:
            traceback.print_exc()
        if isinstance(exc, (SalesAnalysisError, ValueError, KeyError)):
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            kind = "invalid data" if isinstance(exc, DataValidationError) else "error"
        elif isinstance(exc, OSError):
            message, kind = _os_message(exc), "error"
        else:
            message, kind = f"{type(exc).__name__}: {exc}", "unexpected error"
        print(f"salesanalysis {args.command}: {kind}: {message}", file=sys.stderr)
        if not args.debug:
            print("(run with --debug before the command for details: salesanalysis --debug "
                  f"{args.command} ...)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""The package's folders are its layers: a module imports only from its own layer and the
layers above it, and no two modules import each other, even inside a function."""

import ast
from pathlib import Path

import salesanalysis

PACKAGE = Path(salesanalysis.__file__).parent
# top to bottom; the shared helpers at the top are importable from everywhere
LAYERS = ["errors", "checks", "schema", "layout", "ingest", "store", "kpi", "analyses", "reports",
          "present", "batch", "demo", "cli"]
TOP = {"__init__"}  # the package's own front door imports from every layer


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path):
    """(line, imported module) of every salesanalysis import in ``path``."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "salesanalysis":
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "salesanalysis":
                target = node.module
            else:
                continue
            names = [f"{target}.{a.name}" for a in node.names]
            for name in names:  # "from . import kpi" imports a module; "from .x import f" does not
                yield node.lineno, name if (PACKAGE.parent / name.replace(".", "/")).exists() \
                    or (PACKAGE.parent / (name.replace(".", "/") + ".py")).exists() else target


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _graph():
    edges = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        edges[_module(path)] = (path, list(_imports(path)))
    return edges


def test_no_module_imports_from_a_layer_below_its_own():
    wrong = []
    for module, (path, imports) in _graph().items():
        layer = _layer(module)
        if layer in TOP:
            continue
        for line, target in imports:
            other = _layer(target)
            if other in TOP or LAYERS.index(other) > LAYERS.index(layer):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({layer}) imports "
                             f"{target} ({other})")
    assert not wrong, "imports against the layer order:\n" + "\n".join(wrong)


def test_no_import_cycle_between_modules():
    graph = {m: {t for _, t in imports if t != m} for m, (_, imports) in _graph().items()}

    def resolve(target):  # an import of a package reaches its __init__
        return target if target in graph else target.rsplit(".", 1)[0]

    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(resolve(t) for t in graph.get(node, ())):
            if nxt not in graph or nxt == node:
                continue
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    # a package's __init__ importing its own modules, which import siblings, is no cycle
    real = [c for c in cycles if not all(p.startswith(c.split(" -> ")[0]) for p in c.split(" -> "))]
    assert not real, "import cycles:\n" + "\n".join(real)


def test_the_layer_list_names_every_folder_and_top_level_module():
    found = {p.stem for p in PACKAGE.glob("*.py")} | {p.name for p in PACKAGE.iterdir()
                                                       if p.is_dir() and (p / "__init__.py").exists()}
    assert found - TOP <= set(LAYERS), found - TOP - set(LAYERS)

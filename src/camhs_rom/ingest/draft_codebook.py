"""Draft a Study 1 codebook from a REFI-QDA project's code tree, so that nobody retypes a codebook.

    camhs-rom-draft-codebook project.qdpx --out mine/codebook.yaml

Every top-level code of the project becomes a theme, with every code below it (at any
depth) as one of its codes, so the theme's tally rolls them all up. Each entry keeps the
code's name as its ``label`` (any Unicode text), its ``path`` in the tree, its ``guid``
(segments from the project are matched by it, so two codes of the same name in different
branches stay two codes) and its number of codings in the project; its ``id`` is a stable
ASCII slug of the name. Valence cannot be read from a project: every theme is drafted as
``other`` for the team to set to ``benefit`` or ``concern``. The draft runs as it is.
Nothing here changes the project.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from camhs_rom.core.errors import InputError
from camhs_rom.ingest.archive import open_project
from camhs_rom.ingest.codetree import check_unique_guids, code_tree, codings_per_code
from camhs_rom.ingest.draft import run_draft_command
from camhs_rom.instruments.codebook import PATH_SEPARATOR

MAX_SLUG = 60


def slug(name: str) -> str:
    """An ASCII id for a code name: accents dropped, other characters as ``_``, lower case ('' if none is left)."""
    spaced = "".join(c if unicodedata.category(c)[0] in "LN" else " " for c in name)  # dashes, quotes, signs: word breaks
    ascii_name = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")[:MAX_SLUG].strip("_")


def code_ids(codes) -> dict[str, str]:
    """A unique slug per code GUID: the name's slug, else the parent's slug joined to it, else with the GUID's start."""
    ids, taken = {}, set()
    for guid, node in codes.items():
        base = slug(node.name) or f"code_{guid[:8]}"
        candidates = [base]
        if node.parent in ids:
            candidates.append(f"{ids[node.parent]}__{base}"[: MAX_SLUG * 2])
        candidates.append(f"{base}_{guid[:8]}")
        chosen = next((c for c in candidates if c.casefold() not in taken), f"code_{guid}")
        ids[guid] = chosen
        taken.add(chosen.casefold())
    return ids


def read_code_tree(path: str | Path):
    """The project's code tree, codings per code and the program that wrote it."""
    with open_project(path) as (_, root, qde_name):
        check_unique_guids(root, path, qde_name)
        codes = code_tree(root)
        if not codes:
            raise InputError(path, "CodeBook", "a project with no codes", "a project whose CodeBook has at least one Code")
        return codes, codings_per_code(root), root.get("origin") or "an unnamed program"


def _q(text: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one): safe for any Unicode and any punctuation."""
    return json.dumps(text, ensure_ascii=False)


def draft_codebook(path: str | Path) -> str:
    """The drafted codebook as YAML text."""
    codes, counts, origin = read_code_tree(path)
    ids = code_ids(codes)
    children: dict[str | None, list[str]] = {}
    for guid, node in codes.items():
        children.setdefault(node.parent, []).append(guid)

    def descendants(guid: str) -> list[str]:
        out = []
        for child in children.get(guid, []):
            out += [child, *descendants(child)]
        return out

    name = Path(path).name
    lines = [
        f"# Drafted by camhs-rom-draft-codebook from {name} (written by {origin}).",
        "# Each top-level code is a theme; the codes under it, at any depth, roll up to it.",
        "# To do: set each theme's valence (benefit | concern | other); write its definition;",
        "# move codes between themes, or delete a theme you do not analyse (its codes then need",
        "# a home in another theme: the pipeline stops on a coded code no theme holds).",
        f"name: {_q(f'Codebook drafted from {name}')}",
        f"source: {_q(f'{name} ({origin})')}",
        "themes:",
    ]
    for top in children.get(None, []):
        node = codes[top]
        below = descendants(top)
        total = counts.get(top, 0) + sum(counts.get(g, 0) for g in below)
        lines += [
            f"  - id: {ids[top]}",
            f"    label: {_q(node.name)}",
            "    valence: other                     # set: benefit | concern | other",
            f"    definition: {_q(node.description or f'{node.name} (no description in the project)')}",
            f"    guid: {_q(node.guid)}",
            f"    path: {_q(PATH_SEPARATOR.join(node.path))}",
            f"    n_codings: {counts.get(top, 0)}                    # {total} with the codes below it",
        ]
        if below:
            lines.append("    codes:")
        for guid in below:
            child = codes[guid]
            lines += [
                f"      - id: {ids[guid]}",
                f"        label: {_q(child.name)}",
                f"        guid: {_q(child.guid)}",
                f"        path: {_q(PATH_SEPARATOR.join(child.path))}",
                f"        n_codings: {counts.get(guid, 0)}",
            ]
            if child.description:
                lines.append(f"        definition: {_q(child.description)}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: print the drafted codebook (or write it with ``--out``)."""
    return run_draft_command("camhs-rom-draft-codebook", "Draft a Study 1 codebook from a REFI-QDA .qdpx project's code tree.",
                             "project", "the .qdpx project, as the QDA program exported it", "codebook", draft_codebook, argv)


if __name__ == "__main__":  # pragma: no cover - the console script calls main()
    raise SystemExit(main())

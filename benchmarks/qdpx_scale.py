"""Time reading a REFI-QDA project at growing sizes: the reader, cleaning against a drafted codebook, Study 1's tables.

Each size is ``SOURCESxSELECTIONS`` (selections per source, each coded by two coders). The
project is written the way NVivo writes one: CRLF line ends, emoji (two UTF-16 code units
each) throughout the text, positions in UTF-16 code units, speaker turns wrapped over
several lines, a two-level code tree; so the reader has to find the counting convention,
place every selection by its speaker turn and roll codes up. Prints one row per size:
sources, selections, codings, characters of text, read (s: ``read_qdpx``), clean (s:
``clean_segments`` with the drafted codebook, the reading included), draft (s:
``camhs-rom-draft-codebook``), themes (s: tallies, co-occurrence, saturation, quotes),
agreement (s: with 2,000 bootstrap resamples), peak memory (MB). Each size runs in its own
process so the peak is that size's own.

    python benchmarks/qdpx_scale.py                    # 10x100, 100x100, 100x1000
    python benchmarks/qdpx_scale.py 20x500             # chosen sizes
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, tempfile, time, zipfile
from pathlib import Path
from camhs_rom.ingest.draft_codebook import draft_codebook
from camhs_rom.ingest.qdpx import read_qdpx
from camhs_rom.ingest.segments import clean_segments
from camhs_rom.instruments.codebook import load_codebook
from camhs_rom.study1.steps import study1_agreement, study1_themes

n_sources, per_source = int(sys.argv[1]), int(sys.argv[2])
NS = "urn:QDA-XML:project:1.0"
users = ["11111111-0000-4000-8000-000000000001", "11111111-0000-4000-8000-000000000002"]
codes = [(f"22222222-0000-4000-8000-{t:06d}{c:06d}", t, c) for t in range(6) for c in range(5)]
tree = "".join(
    f'<Code guid="22222222-0000-4000-8000-{t:06d}999999" name="Theme {t} é" isCodable="true">'
    + "".join(f'<Code guid="{g}" name="code {t}.{c} – ü" isCodable="true"/>' for g, tt, c in codes if tt == t) + "</Code>"
    for t in range(6)
)
members, sources, n_codings, n_chars = {}, [], 0, 0
for s in range(n_sources):
    text, sels = "", []
    for k in range(per_source):
        turn = f"P{(k % 12) + 1:02d}: I think the graph 😀 helps us see change,\r\nand we talk about it 👍🏽 together every week.\r\n"
        start = len(text) + 5
        text += turn
        end = start + 29  # "I think the graph 😀 helps us"
        u16 = lambda i, t=text: len(t[:i].encode("utf-16-le")) // 2
        g1, g2 = codes[(s * 7 + k) % len(codes)][0], codes[(s * 7 + k * 3) % len(codes)][0]
        sels.append(
            f'<PlainTextSelection guid="33333333-{s:04d}-4000-8000-{k:012d}" name="s{s}.{k}" startPosition="{u16(start)}" endPosition="{u16(end)}">'
            f'<Coding guid="44444444-{s:04d}-4000-8000-{k:012d}" creatingUser="{users[0]}"><CodeRef targetGUID="{g1}"/></Coding>'
            f'<Coding guid="55555555-{s:04d}-4000-8000-{k:012d}" creatingUser="{users[1]}"><CodeRef targetGUID="{g2}"/></Coding>'
            "</PlainTextSelection>")
        n_codings += 2
    n_chars += len(text)
    guid = f"66666666-{s:04d}-4000-8000-000000000000"
    members[f"Sources/{guid}.txt"] = text.encode("utf-8")
    sources.append(f'<TextSource guid="{guid}" name="interview {s:03d}" plainTextPath="internal://{guid}.txt">{"".join(sels)}</TextSource>')
qde = (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{NS}" name="bench" origin="benchmark">'
       f'<Users><User guid="{users[0]}" name="coder_a"/><User guid="{users[1]}" name="coder_b"/></Users>'
       f'<CodeBook><Codes>{tree}</Codes></CodeBook><Sources>{"".join(sources)}</Sources></Project>')
tmp = Path(tempfile.mkdtemp())
path = tmp / "bench.qdpx"
with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
    archive.writestr("project.qde", qde)
    for name, data in members.items():
        archive.writestr(name, data)
times = {}
t = time.perf_counter(); read_qdpx(path); times["read"] = time.perf_counter() - t
t = time.perf_counter(); (tmp / "codebook.yaml").write_text(draft_codebook(path), encoding="utf-8"); times["draft"] = time.perf_counter() - t
t = time.perf_counter(); clean = clean_segments(path, load_codebook(tmp / "codebook.yaml")); times["clean"] = time.perf_counter() - t
clean.segments.to_csv(tmp / "clean.csv", index=False)
outputs = {k: tmp / f"{k}.csv" for k in ["tallies", "valence", "by_participant", "cooccurrence", "saturation", "quotes", "passages"]}
t = time.perf_counter(); study1_themes(tmp / "clean.csv", tmp / "codebook.yaml", outputs, "primary", None, None, 3, 200, 1); times["themes"] = time.perf_counter() - t
t = time.perf_counter()
study1_agreement(tmp / "clean.csv", tmp / "codebook.yaml", tmp / "a.csv", tmp / "d.csv", 2000, 0.95, 1, scope_out=tmp / "s.csv")
times["agreement"] = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"sources": n_sources, "selections": n_sources * per_source, "codings": n_codings, "characters": n_chars, **times, "peak_mb": peak}))
"""


def run(size: str) -> dict:
    sources, per_source = (int(x) for x in size.split("x"))
    done = subprocess.run([sys.executable, "-c", CHILD, str(sources), str(per_source)], capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    sizes = argv or ["10x100", "100x100", "100x1000"]
    print("| sources | selections | codings | characters | read (s) | clean (s) | draft (s) | themes (s) | agreement (s) | peak MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        r = run(size)
        print(f"| {r['sources']:,} | {r['selections']:,} | {r['codings']:,} | {r['characters']:,} | {r['read']:.2f} | {r['clean']:.2f} | "
              f"{r['draft']:.2f} | {r['themes']:.2f} | {r['agreement']:.2f} | {r['peak_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Running one pipeline step from a Snakemake script.

:func:`run_step` calls a package function with explicit arguments and turns bad input
into one readable line, in the rule's log and on the terminal, instead of a traceback.
Any other exception is a bug and keeps its traceback (in the log).
"""

from __future__ import annotations

import logging
import sys
import traceback

from camhs_rom.core.errors import InputError


def run_step(log_path: str, func, /, **kwargs):
    """Call ``func(**kwargs)`` with logging sent to ``log_path``; exit 1 with one message on bad input."""
    with open(log_path, "w", encoding="utf-8") as log:
        handler = logging.StreamHandler(log)
        logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
        log.write(f"{func.__module__}.{func.__name__}\n")
        for key, value in kwargs.items():
            log.write(f"  {key} = {value!r}\n")
        try:
            result = func(**kwargs)
        except InputError as err:
            message = f"Bad input, nothing was written: {err}"
            log.write(message + "\n")
            print(message, file=sys.__stderr__)
            raise SystemExit(1) from None
        except Exception:
            log.write(traceback.format_exc())
            raise
        log.write("done\n")
        return result

"""Loading a pack's Python ``hooks`` module, safely from any number of threads.

A pack installed as a package (the usual case: found through its entry point) has its
hooks imported as a module of that package, e.g. ``policyengine_pack_x.hooks``, through
:func:`importlib.import_module`, whose per-module locks make a concurrent import wait for
the first one to finish. A pack folder that is not an importable package (a folder given
on the command line, a copy in a temporary directory) has its hooks file executed under a
lock, which every reader of its :data:`sys.modules` entry takes too: no thread ever sees a
half-imported hooks module.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import threading
import types
from pathlib import Path

from policyengine.exceptions import PackError
from policyengine.files import LINK_LOOP

__all__ = ["hooks_file", "load_hooks"]

_FOLDER_LOCK = threading.Lock()
"""Serialises loading hooks files of pack folders (rare: once per pack version)."""


def load_hooks(folder: Path, hooks: str, pack_id: str, digest: str) -> types.ModuleType:
    """The hooks module ``hooks`` (a file name relative to ``folder``) of a pack.

    Raises :class:`PackError` naming the file when it is outside the pack's folder, not a
    ``.py`` file, or fails to import (``sys.exit`` in it included).
    """
    file = hooks_file(folder, hooks)
    package = _package_of(folder)
    if package is not None and file.parent == folder:
        name = f"{package}.{file.stem}"
        try:
            return importlib.import_module(name)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SystemExit included: loading a pack never ends the program
            raise PackError(f"{file}: the pack's hooks failed to load: {_what(exc)}") from None
    safe = re.sub(r"\W", "_", pack_id)
    return _exec_file(file, f"policyengine_pack_hooks.{safe}_{digest[7:19]}")


def hooks_file(folder: Path, hooks: str) -> Path:
    """The pack's hooks file: a regular ``.py`` file inside the pack's folder, or PackError."""
    file = folder / hooks
    where = f"{folder / 'pack.toml'}: pack.hooks: {hooks!r}"
    root = folder.resolve()
    try:
        real = file.resolve()
    except (RuntimeError, OSError):  # a link loop ("Symlink loop", before Python 3.13)
        raise PackError(f"{folder / 'pack.toml'}: pack.hooks: {file}: {LINK_LOOP}") from None
    if Path(hooks).is_absolute() or not real.is_relative_to(root):
        raise PackError(f"{where} is outside the pack's folder {root}")
    if not file.is_file() or file.suffix != ".py":
        raise PackError(f"{where} is not a Python (.py) file in the pack")
    return file


def _what(exc: BaseException) -> str:
    return f"sys.exit({exc.code!r})" if isinstance(exc, SystemExit) else repr(exc)


def _package_of(folder: Path) -> str | None:
    """The name under which ``folder`` is importable as a package, or None."""
    name = folder.name
    if not name.isidentifier() or not (folder / "__init__.py").is_file():
        return None
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    try:
        here = folder.resolve()
        if any(Path(loc).resolve() == here for loc in spec.submodule_search_locations):
            return name
    except OSError:
        return None
    return None


def _exec_file(file: Path, name: str) -> types.ModuleType:
    with _FOLDER_LOCK:
        found = sys.modules.get(name)
        if found is not None:
            return found
        spec = importlib.util.spec_from_file_location(name, file)
        if spec is None or spec.loader is None:
            raise PackError(f"{file}: cannot be loaded as a Python module")
        module = importlib.util.module_from_spec(spec)
        # Published before it runs (dataclasses and pickling look modules up by name), but
        # only ever read under the lock, so no other thread sees it before it is complete.
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except KeyboardInterrupt:
            del sys.modules[name]
            raise
        except BaseException as exc:  # SystemExit included: loading a pack never ends the program
            del sys.modules[name]
            raise PackError(f"{file}: the pack's hooks failed to load: {_what(exc)}") from None
        return module

"""Finding plugins and packs: entry points, built-in plugins, and pack folders.

Load order (tox's): entry points of the ``policyengine`` group, then the built-in plugins
of :data:`DEFAULT_PLUGINS`, then ``check_pending()`` so a misspelt hook is an error.
Bundled packs are ordinary distributions found through the entry-point group, exactly
as a third party's would be.

Each pack with a ``hooks`` module has a plugin manager of its own, holding only that
module (:func:`pack_plugin_manager`): pack hooks are never called on another pack's code.

Environment switches:

``POLICYENGINE_DISABLE_PLUGINS=a,b``
    entry-point names not to load.
``POLICYENGINE_TRACE_HOOKS=1``
    print every hook call, its arguments and its result to standard error.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import re
import sys
import threading
import weakref
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs
import pluggy

from policyengine import hookspecs
from policyengine.contracts import Command, PackSource, Reporter
from policyengine.exceptions import PackError, UnknownPackError
from policyengine.files import NotReadError, read_found
from policyengine.hookguard import HookGuard
from policyengine.pack import Pack, find_pack_folder, load_pack

__all__ = [
    "DEFAULT_PLUGINS",
    "PackRegistry",
    "PackSource",
    "by_name",
    "declared_id",
    "make_plugin_manager",
    "pack_plugin_manager",
]

DEFAULT_PLUGINS = (
    "policyengine.builtins.commands",
    "policyengine.builtins.evaluate",
    "policyengine.builtins.reporters",
    "policyengine.builtins.authoring",
    "policyengine.builtins.schema",
    "policyengine.builtins.replay",
    "policyengine.builtins.serve",
    "policyengine.reports.plugin",
)
"""Built-in features, registered through the same hooks as third-party plugins. These
modules declare hooks only: a command's code is imported when it is used
(:mod:`policyengine.builtins.lazy`)."""


T = TypeVar("T", Command, Reporter)


def by_name(groups: list[list[T]]) -> dict[str, T]:
    """Hook results by name; a plugin registered later overrides a built-in of that name."""
    found: dict[str, T] = {}
    for group in reversed(groups):
        for item in group:
            found[item.name] = item
    return found


def make_plugin_manager(
    *, load_entry_points: bool = True, blocked: Iterable[str] = (), plugins: Iterable[object] = ()
) -> pluggy.PluginManager:
    """A fresh plugin manager with the hook specs, entry points and built-in plugins."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    env_blocked = os.environ.get("POLICYENGINE_DISABLE_PLUGINS", "")
    for name in [*blocked, *(n.strip() for n in env_blocked.split(",") if n.strip())]:
        pm.set_blocked(name)
    for plugin in plugins:
        pm.register(plugin)
    if load_entry_points:
        pm.load_setuptools_entrypoints(hookspecs.PROJECT)
    for module_name in DEFAULT_PLUGINS:
        module = sys.modules.get(module_name) or importlib.import_module(module_name)
        if not pm.is_registered(module):
            pm.register(module, name=module_name)
    pm.check_pending()
    if os.environ.get("POLICYENGINE_TRACE_HOOKS"):
        pm.trace.root.setwriter(sys.stderr.write)
        pm.enable_tracing()
    return pm


_PACK_PM_LOCK = threading.Lock()
_PACK_PMS: weakref.WeakKeyDictionary[Pack, pluggy.PluginManager] = weakref.WeakKeyDictionary()
"""Each loaded pack's plugin manager (dropped with the pack)."""


def pack_plugin_manager(pack: Pack) -> pluggy.PluginManager:
    """The plugin manager of one pack's hooks module (made once per loaded pack).

    It holds the hook specs and the pack's ``hooks`` module only; a pack without one gets
    a manager with no implementations. A hook whose signature does not match its spec is
    a :class:`PackError` naming the hooks file.
    """
    pm = _PACK_PMS.get(pack)
    if pm is not None:
        return pm
    with _PACK_PM_LOCK:
        pm = _PACK_PMS.get(pack)
        if pm is None:
            pm = _PACK_PMS[pack] = _new_pack_plugin_manager(pack)
        return pm


def _new_pack_plugin_manager(pack: Pack) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if pack.hooks is not None:
        try:
            pm.register(pack.hooks, name=f"pack:{pack.id}")
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PackError(f"{pack.path / (pack.info.hooks or '')}: {exc}") from None
        # what the hooks raise or return is checked: a PackError naming the file and hook
        guard = HookGuard(
            str(pack.path / (pack.info.hooks or "")), {d.path: d.type for d in pack.derived}
        )
        pm.register(guard, name=f"guard:{pack.id}")
    return pm


_ID_LINE = re.compile(r"""\s*id\s*=\s*"([A-Za-z0-9._-]+)"\s*(?:#.*)?""")
_TABLE_LINE = re.compile(r"\s*\[")


def declared_id(folder: Path) -> str | None:
    """The id a pack folder declares (``id = "…"`` in the ``[pack]`` table of its
    ``pack.toml``), read without parsing the file; None when it cannot be read that way."""
    try:
        pack_folder = find_pack_folder(folder)
        text = read_found(pack_folder / "pack.toml", pack_folder).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError, ValueError, PackError, NotReadError):
        return None
    in_pack = False
    for line in text.splitlines():
        if _TABLE_LINE.match(line):
            if in_pack:
                return None
            in_pack = line.split("#", 1)[0].strip() == "[pack]"
        elif in_pack and (m := _ID_LINE.fullmatch(line)):
            return m.group(1)
    return None


@attrs.frozen
class _Found:
    """A pack folder some plugin registers, and the id it declares (None if unread)."""

    folder: Path
    plugin: str
    id: str | None


class PackRegistry:
    """The packs installed in this environment, looked up by id.

    Finding the packs reads only the id each ``pack.toml`` declares; a pack is parsed and
    checked (:func:`load_pack`) when it is asked for, once. So evaluating one pack does not
    parse the others, and a broken pack stops only the runs that use it.
    """

    def __init__(self, plugin_manager: pluggy.PluginManager | None = None) -> None:
        self._pm = plugin_manager
        self._found: list[_Found] | None = None
        self._loaded: dict[Path, Pack] = {}
        self._packs: dict[str, Pack] | None = None
        self._lock = threading.RLock()

    @property
    def plugin_manager(self) -> pluggy.PluginManager:
        """The plugin manager (made on first use)."""
        if self._pm is None:
            self._pm = make_plugin_manager()
        return self._pm

    def packs(self) -> Mapping[str, Pack]:
        """Every installed pack by id, in id order (every one is parsed)."""
        with self._lock:
            if self._packs is None:
                found: dict[str, tuple[Pack, str]] = {}
                for entry in self._sources():
                    pack = self._load(entry)
                    if pack.id in found:
                        raise _twice(pack.id, found[pack.id][1], entry.plugin)
                    found[pack.id] = (pack, entry.plugin)
                self._packs = {pid: found[pid][0] for pid in sorted(found)}
            return self._packs

    def _sources(self) -> list[_Found]:
        """Every registered pack folder with its declared id (nothing parsed)."""
        if self._found is None:
            pm = self.plugin_manager
            found = []
            for impl in pm.hook.register_packs.get_hookimpls():
                plugin_name = pm.get_name(impl.plugin) or "?"
                sources: Any = impl.function()
                for source in sources or ():
                    folder = source.path() if isinstance(source, PackSource) else Path(str(source))
                    found.append(_Found(folder, plugin_name, declared_id(folder)))
            self._found = found
        return self._found

    def _load(self, entry: _Found) -> Pack:
        pack = self._loaded.get(entry.folder)
        if pack is None:
            pack = self._loaded[entry.folder] = load_pack(entry.folder)
        return pack

    def get(self, pack_id: str) -> Pack:
        """The installed pack with that id, or :class:`UnknownPackError` listing the others.

        Only that pack is parsed, unless some pack's id cannot be read without parsing it.
        """
        with self._lock:
            if self._packs is not None:
                return self._known(self._packs, pack_id)
            sources = self._sources()
            if any(e.id is None for e in sources):
                return self._known(self.packs(), pack_id)
            named = [e for e in sources if e.id == pack_id]
            if len(named) == 1:
                pack = self._load(named[0])
                if pack.id == pack_id:
                    return pack
            if named:  # two with that id, or not the id read: parse them all to tell
                return self._known(self.packs(), pack_id)
            known = ", ".join(sorted({e.id for e in sources if e.id is not None})) or "none"
            raise UnknownPackError(f"unknown pack {pack_id!r}; installed packs: {known}")

    @staticmethod
    def _known(packs: Mapping[str, Pack], pack_id: str) -> Pack:
        if pack_id in packs:
            return packs[pack_id]
        known = ", ".join(packs) or "none"
        raise UnknownPackError(f"unknown pack {pack_id!r}; installed packs: {known}")

    def resolve(self, name: str | Path) -> list[Pack]:
        """Packs named on the command line: an id, ``all``, or a pack folder."""
        if isinstance(name, str) and not name.strip():  # an id left empty, not this folder
            return [self.get(name)]
        bare = isinstance(name, str) and not (os.sep in name or name.startswith("."))
        if isinstance(name, str) and bare and name != "all" and Path(name).is_dir():
            # an installed pack's id names that pack, never a folder of that name in the
            # working folder (a data bundle's folder would run its hooks in its place)
            try:
                return [self.get(name)]
            except UnknownPackError:
                pass  # no such pack installed: the folder, as ./NAME would name it
        if not bare or Path(name).is_dir():
            path = Path(name)
            if not path.exists():
                raise UnknownPackError(f"unknown pack {str(name)!r}: no such pack folder")
            return [load_pack(path)]
        if name == "all":
            return list(self.packs().values())
        return [self.get(str(name))]


def _twice(pack_id: str, one: str, other: str) -> PackError:
    return PackError(f"two packs have the id {pack_id!r}: from plugin {one!r} and {other!r}")

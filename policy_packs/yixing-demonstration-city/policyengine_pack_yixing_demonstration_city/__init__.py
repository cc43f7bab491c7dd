"""policyengine pack: 宜兴市创建“江苏省和谐社区建设示范市”实施方案 (2012-10-08)."""

from importlib.resources import files

from policyengine import PackSource, hookimpl


@hookimpl
def register_packs() -> list[PackSource]:
    """The pack folder is this package."""
    return [PackSource(files(__name__))]

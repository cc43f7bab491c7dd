"""policyengine pack: 五马街道开展“幸福社区”创建活动实施意见 (2013-04-10)."""

from importlib.resources import files

from policyengine import PackSource, hookimpl


@hookimpl
def register_packs() -> list[PackSource]:
    """The pack folder is this package."""
    return [PackSource(files(__name__))]

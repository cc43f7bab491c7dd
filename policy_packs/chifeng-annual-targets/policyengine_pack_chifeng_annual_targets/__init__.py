"""policyengine pack: 赤峰市城镇社区建设专项推进工作实施方案.

A three-year programme, read as 2008–2010.
"""

from importlib.resources import files

from policyengine import PackSource, hookimpl


@hookimpl
def register_packs() -> list[PackSource]:
    """The pack folder is this package."""
    return [PackSource(files(__name__))]

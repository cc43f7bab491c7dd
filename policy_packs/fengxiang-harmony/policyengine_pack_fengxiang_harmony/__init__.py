"""policyengine pack: 宝鸡市凤翔区保障性住房小区共同缔造“和谐社区·幸福家园”工作方案.

宝凤政办发〔2024〕22号, 2024-07-15.
"""

from importlib.resources import files

from policyengine import PackSource, hookimpl


@hookimpl
def register_packs() -> list[PackSource]:
    """The pack folder is this package."""
    return [PackSource(files(__name__))]

"""The dictionaries core owns because every app may use them: regions (GB/T 2260 provinces, prefecture-level
cities and districts, from the data file beside this package) and industries (the GB/T 4754-2017 sections A–T)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import DefaultDictionaries, DictionaryEntrySpec, DictionarySpec

REGIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "regions.tsv"

# GB/T 4754-2017 国民经济行业分类, its 20 sections (门类): (code, Chinese, English).
INDUSTRY_SECTIONS = (
    ("A", "农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery"),
    ("B", "采矿业", "Mining"),
    ("C", "制造业", "Manufacturing"),
    ("D", "电力、热力、燃气及水生产和供应业", "Electricity, heat, gas and water supply"),
    ("E", "建筑业", "Construction"),
    ("F", "批发和零售业", "Wholesale and retail trade"),
    ("G", "交通运输、仓储和邮政业", "Transport, storage and postal services"),
    ("H", "住宿和餐饮业", "Accommodation and catering"),
    ("I", "信息传输、软件和信息技术服务业", "Information transmission, software and IT services"),
    ("J", "金融业", "Finance"),
    ("K", "房地产业", "Real estate"),
    ("L", "租赁和商务服务业", "Leasing and business services"),
    ("M", "科学研究和技术服务业", "Scientific research and technical services"),
    ("N", "水利、环境和公共设施管理业", "Water, environment and public facilities management"),
    ("O", "居民服务、修理和其他服务业", "Resident services, repair and other services"),
    ("P", "教育", "Education"),
    ("Q", "卫生和社会工作", "Health and social work"),
    ("R", "文化、体育和娱乐业", "Culture, sports and entertainment"),
    ("S", "公共管理、社会保障和社会组织", "Public administration, social security and social organisations"),
    ("T", "国际组织", "International organisations"),
)


@cache
def region_rows() -> tuple[tuple[str, str, str, str], ...]:
    """(code, parent code, Chinese name, English name) of every division, parents first."""
    rows = []
    for line in REGIONS_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, parent, zh, en = line.split("\t")
            rows.append((code, parent, zh, en))
    return tuple(rows)


def region_entries() -> tuple[DictionaryEntrySpec, ...]:
    return tuple(DictionaryEntrySpec(code=c, label=en, label_zh=zh, parent=p) for c, p, zh, en in region_rows())


def province_names() -> list[str]:
    """The provincial-level divisions' Chinese names, in code order (what customers' and leads' province holds)."""
    return [zh for _code, parent, zh, _en in region_rows() if not parent]


CORE_DICTIONARIES = DefaultDictionaries(
    app="core",
    dictionaries=(
        DictionarySpec(key="region", label=_("Regions"), entries=region_entries, is_tree=True),
        DictionarySpec(
            key="industry",
            label=_("Industries"),
            entries=tuple(DictionaryEntrySpec(code=c, label=en, label_zh=zh) for c, zh, en in INDUSTRY_SECTIONS),
        ),
    ),
)


# Everyday names of industries -> their GB/T 4754 section: what imports accept besides the code and labels, and
# how the demo company's industries are stored.
INDUSTRY_ALIASES = {
    "农业": "A",
    "采矿": "B",
    "制造": "C",
    "制造业": "C",
    "建材": "C",
    "纺织": "C",
    "能源": "D",
    "能源环保": "D",
    "电力": "D",
    "建筑": "E",
    "建筑工程": "E",
    "批发零售": "F",
    "零售": "F",
    "贸易": "F",
    "电商": "F",
    "物流": "G",
    "物流运输": "G",
    "交通运输": "G",
    "餐饮": "H",
    "餐饮食品": "H",
    "酒店": "H",
    "信息技术": "I",
    "互联网": "I",
    "软件": "I",
    "IT": "I",
    "金融": "J",
    "银行": "J",
    "保险": "J",
    "房地产": "K",
    "商务服务": "L",
    "咨询": "L",
    "科研": "M",
    "环保": "N",
    "教育": "P",
    "教育培训": "P",
    "医疗": "Q",
    "医疗健康": "Q",
    "文化传媒": "R",
    "传媒": "R",
    "体育": "R",
    "政府": "S",
}

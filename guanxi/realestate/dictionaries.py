"""Real-estate dictionaries (数据字典) an administrator edits: where a sales-office visitor came from (来访渠道) and the
answers the default questionnaire offers (purpose of the purchase, layout wanted, how they heard of the project)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import DefaultDictionaries, DictionaryEntrySpec, DictionarySpec

VISIT_SOURCE = "re_visit_source"
PURPOSE = "re_purchase_purpose"
LAYOUT_WANTED = "re_layout_wanted"
HEARD_FROM = "re_heard_from"


REALESTATE_DICTIONARIES = DefaultDictionaries(
    app="realestate",
    dictionaries=(
        DictionarySpec(key=VISIT_SOURCE, label=_("Visitor sources"), entries=(
            DictionaryEntrySpec(code="walk_in", label=_("Walked in"), label_zh="自然到访"),
            DictionaryEntrySpec(code="referral", label=_("Brought by a buyer"), label_zh="老带新"),
            DictionaryEntrySpec(code="call_in", label=_("Phoned first"), label_zh="来电转访"),
            DictionaryEntrySpec(code="agency", label=_("Agency"), label_zh="中介带看"),
            DictionaryEntrySpec(code="online", label=_("Online"), label_zh="网络"),
            DictionaryEntrySpec(code="event", label=_("Sales event"), label_zh="活动"),
        )),
        DictionarySpec(key=PURPOSE, label=_("Purposes of purchase"), entries=(
            DictionaryEntrySpec(code="first_home", label=_("First home"), label_zh="首次置业"),
            DictionaryEntrySpec(code="upgrade", label=_("Upgrade"), label_zh="改善"),
            DictionaryEntrySpec(code="investment", label=_("Investment"), label_zh="投资"),
            DictionaryEntrySpec(code="school", label=_("School district"), label_zh="学区"),
            DictionaryEntrySpec(code="retirement", label=_("Retirement"), label_zh="养老"),
        )),
        DictionarySpec(key=LAYOUT_WANTED, label=_("Layouts wanted"), entries=(
            DictionaryEntrySpec(code="1br", label=_("One bedroom"), label_zh="一居"),
            DictionaryEntrySpec(code="2br", label=_("Two bedrooms"), label_zh="两居"),
            DictionaryEntrySpec(code="3br", label=_("Three bedrooms"), label_zh="三居"),
            DictionaryEntrySpec(code="4br", label=_("Four bedrooms or more"), label_zh="四居及以上"),
        )),
        DictionarySpec(key=HEARD_FROM, label=_("How visitors heard of the project"), entries=(
            DictionaryEntrySpec(code="outdoor", label=_("Billboard"), label_zh="户外广告"),
            DictionaryEntrySpec(code="internet", label=_("Internet"), label_zh="网络"),
            DictionaryEntrySpec(code="friends", label=_("Friends"), label_zh="朋友介绍"),
            DictionaryEntrySpec(code="passing", label=_("Passing by"), label_zh="路过"),
            DictionaryEntrySpec(code="sms", label=_("Text message"), label_zh="短信"),
        )),
    ),
)  # fmt: skip

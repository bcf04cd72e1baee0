"""The service app's dictionaries (数据字典): kinds of asset, ticket types and the channels tickets come in by.

Behaviour reads entry flags, never codes: a ticket type with `{"complaint": true}` lands in the complaints queue
(`codes_with("ticket_type", "complaint")`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import DefaultDictionaries, DictionaryEntrySpec, DictionarySpec
from guanxi.customers.dictionaries import entries_of

from .models import Asset

ASSET_KIND = "asset_kind"
TICKET_TYPE = "ticket_type"
TICKET_CHANNEL = "ticket_channel"

SERVICE_DICTIONARIES = DefaultDictionaries(
    app="service",
    dictionaries=(
        DictionarySpec(key=ASSET_KIND, label=_("Asset kinds"), entries=entries_of(Asset.Kind.choices)),
        DictionarySpec(
            key=TICKET_TYPE,
            label=_("Ticket types"),
            entries=(
                DictionaryEntrySpec(code="consultation", label_zh="咨询", label=_("Consultation"), system=True),
                DictionaryEntrySpec(
                    code="complaint", label=_("Complaint"), colour="red", attributes={"complaint": True}
                ),
                DictionaryEntrySpec(code="repair", label_zh="报修", label=_("Repair"), colour="orange"),
                DictionaryEntrySpec(code="claim", label_zh="理赔", label=_("Claim"), colour="purple"),
                DictionaryEntrySpec(code="installation", label_zh="安装", label=_("Installation"), colour="blue"),
                DictionaryEntrySpec(code="suggestion", label_zh="建议", label=_("Suggestion"), colour="green"),
                DictionaryEntrySpec(code="other", label_zh="其他", label=_("Other")),
            ),
        ),
        DictionarySpec(
            key=TICKET_CHANNEL,
            label=_("Ticket channels"),
            entries=(
                DictionaryEntrySpec(code="phone", label_zh="电话", label=_("Phone"), system=True),
                DictionaryEntrySpec(code="email", label_zh="邮件", label=_("E-mail"), system=True),
                DictionaryEntrySpec(code="web", label_zh="网页表单", label=_("Web form"), system=True),
                DictionaryEntrySpec(code="wechat", label_zh="微信", label=_("WeChat")),
                DictionaryEntrySpec(code="walk_in", label_zh="到店", label=_("Walk-in")),
            ),
        ),
    ),
)

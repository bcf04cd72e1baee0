"""Every write of the commerce app: catalogue, quotes, contracts, execution and implementation orders.
Permission-checked, transactional, audited; e-mail and notifications after commit."""

from .contracts import (
    ContractSource,
    contract_attach_scan,
    contract_complete,
    contract_create,
    contract_delete,
    contract_facts,
    contract_on_decided,
    contract_sign,
    contract_source_choose,
    contract_start_execution,
    contract_submit,
    contract_terminate,
    contract_title_from_quote,
    contract_update,
)
from .handover import contracts_hand_over, quotes_hand_over
from .orders import (
    default_people,
    execution_order_close,
    execution_order_create,
    execution_order_issue,
    execution_order_on_decided,
    execution_order_submit,
    implementation_order_create,
    implementation_order_set_status,
    shipment_record,
)
from .owners import document_transfer, documents_delete, documents_transfer
from .products import (
    commerce_policy_update,
    price_book_save,
    product_create,
    product_delete,
    product_line_save,
    product_update,
    products_export,
)
from .quotes import (
    quote_approval_kind,
    quote_create,
    quote_delete,
    quote_facts,
    quote_mark_sent,
    quote_on_decided,
    quote_pdf,
    quote_record_answer,
    quote_revise,
    quote_send,
    quote_submit,
    quote_update,
    quotes_expire,
    special_price_problems,
)

__all__ = [
    "contracts_hand_over",
    "quotes_hand_over",
    "contract_attach_scan", "contract_complete", "contract_create", "contract_delete", "contract_facts",
    "contract_on_decided", "contract_sign", "contract_start_execution", "contract_submit", "contract_terminate",
    "contract_update", "default_people", "execution_order_close", "execution_order_create", "execution_order_issue",
    "execution_order_on_decided", "execution_order_submit", "implementation_order_create",
    "implementation_order_set_status", "price_book_save", "product_create", "product_delete", "product_line_save",
    "product_update", "quote_approval_kind", "quote_create", "quote_delete", "quote_facts", "quote_on_decided",
    "quote_pdf", "quote_record_answer", "quote_revise", "quote_send", "quote_submit", "quote_update", "quotes_expire",
    "special_price_problems",
    "shipment_record",
    "products_export",
    "quote_mark_sent",
    "commerce_policy_update",
    "contract_title_from_quote",
    "ContractSource",
    "contract_source_choose",
    "document_transfer",
    "documents_delete",
    "documents_transfer",
]  # fmt: skip

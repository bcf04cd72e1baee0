from django.urls import path

from guanxi.org.lists.views import list_page

from . import views_contracts as contracts
from . import views_orders as orders
from . import views_products as products
from . import views_quotes as quotes
from . import views_settings as settings_views

app_name = "commerce"
urlpatterns = [
    path("quotes/", list_page("quotes"), name="quote_list"),
    path("quotes/new/", quotes.quote_create, name="quote_create"),
    path("quotes/new/customer-fields/", quotes.quote_customer_fields, name="quote_customer_fields"),
    path("quotes/<int:pk>/", quotes.quote_detail, name="quote_detail"),
    path("quotes/<int:pk>/edit/", quotes.quote_edit, name="quote_edit"),
    path("quotes/<int:pk>/submit/", quotes.quote_submit, name="quote_submit"),
    path("quotes/<int:pk>/revise/", quotes.quote_revise, name="quote_revise"),
    path("quotes/<int:pk>/send/", quotes.quote_send, name="quote_send"),
    path("quotes/<int:pk>/answer/", quotes.quote_answer, name="quote_answer"),
    path("quotes/<int:pk>/delete/", quotes.quote_delete, name="quote_delete"),
    path("quotes/<int:pk>/pdf/", quotes.quote_pdf, name="quote_pdf"),
    path("contracts/", list_page("contracts"), name="contract_list"),
    path("contracts/new/", contracts.contract_create, name="contract_create"),
    path("contracts/<int:pk>/", contracts.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/edit/", contracts.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/submit/", contracts.contract_submit, name="contract_submit"),
    path("contracts/<int:pk>/sign/", contracts.contract_sign, name="contract_sign"),
    path("contracts/<int:pk>/scan/", contracts.contract_scan, name="contract_scan"),
    path("contracts/<int:pk>/delete/", contracts.contract_delete, name="contract_delete"),
    path("contracts/<int:pk>/<str:action>/", contracts.contract_transition, name="contract_transition"),
    path("orders/", list_page("execution_orders"), name="execution_order_list"),
    path("orders/new/", orders.execution_order_create, name="execution_order_create"),
    path("orders/<int:pk>/", orders.execution_order_detail, name="execution_order_detail"),
    path("orders/<int:pk>/<str:action>/", orders.execution_order_action, name="execution_order_action"),
    path("implementation/", list_page("implementation_orders"), name="implementation_order_list"),
    path("implementation/new/", orders.implementation_order_create, name="implementation_order_create"),
    path("implementation/<int:pk>/", orders.implementation_order_detail, name="implementation_order_detail"),
    path("implementation/<int:pk>/status/", orders.implementation_order_status, name="implementation_order_status"),
    path("products/", list_page("products"), name="product_list"),
    path("products/new/", products.product_edit, name="product_create"),
    path("products/export/", products.product_export, name="product_export"),
    path("products/lines/", products.product_line_edit, name="product_line_edit"),
    path("products/<int:pk>/", products.product_edit, name="product_edit"),
    path("price-books/new/", products.price_book_detail, name="price_book_create"),
    path("price-books/<int:pk>/", products.price_book_detail, name="price_book_detail"),
    path("settings/", settings_views.commerce_settings, name="settings"),
]

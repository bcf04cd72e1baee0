from django.urls import path

from guanxi.org.lists.views import list_page

from . import views, views_expenses, views_finance

app_name = "billing"
urlpatterns = [
    path("", views.receivables, name="receivables"),
    path("export/", views.receivables_export, name="receivables_export"),
    path("ageing/", views.ageing, name="ageing"),
    path("ageing/export/", views.ageing_export, name="ageing_export"),
    path("statement/", views.statement, name="statement"),
    path("statement/export/", views.statement_export, name="statement_export"),
    path("contracts/<int:pk>/", views.contract_money, name="contract_money"),
    path("contracts/<int:pk>/ask/", views.money_ask, name="money_ask"),
    path("contracts/<int:pk>/plan/", views.plan_save, name="plan_save"),
    path("contracts/<int:pk>/plan/generate/", views.plan_generate, name="plan_generate"),
    path("contracts/<int:pk>/payments/", views.payment_create, name="payment_create"),
    path("contracts/<int:pk>/invoices/", views.invoice_create, name="invoice_create"),
    path("payments/<int:pk>/reverse/", views.payment_reverse, name="payment_reverse"),
    path("invoices/<int:pk>/void/", views.invoice_void, name="invoice_void"),
    path("invoices/", list_page("invoices"), name="invoice_list"),
    path("payments/", list_page("payments"), name="payment_list"),
    path("expenses/", list_page("expense_claims"), name="expense_list"),
    path("expenses/export/", views_expenses.expense_export, name="expense_export"),
    path("expenses/new/", views_expenses.expense_create, name="expense_create"),
    path("expenses/<int:pk>/", views_expenses.expense_detail, name="expense_detail"),
    path("expenses/<int:pk>/edit/", views_expenses.expense_edit, name="expense_edit"),
    path("expenses/<int:pk>/submit/", views_expenses.expense_submit, name="expense_submit"),
    path("expenses/<int:pk>/pay/", views_expenses.expense_pay, name="expense_pay"),
    path("expenses/<int:pk>/delete/", views_expenses.expense_delete, name="expense_delete"),
    path("settings/", views.reminder_settings, name="reminder_settings"),
    path("finance/", views_finance.finance_export_page, name="finance_export"),
    path("finance/export/", views_finance.finance_export_download, name="finance_export_download"),
    path("finance/settings/", views_finance.finance_settings, name="finance_settings"),
]

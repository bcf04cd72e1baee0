from django.urls import path

from . import views, views_adjustments, views_reports, views_trades, views_visits

app_name = "realestate"
urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("projects/new/", views.project_form, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_form, name="project_edit"),
    path("projects/<int:pk>/add/<slug:what>/", views.project_add, name="project_add"),
    path("projects/<int:pk>/adjustments/new/", views_adjustments.adjustment_create, name="adjustment_create"),
    path("adjustments/<int:pk>/", views_adjustments.adjustment_detail, name="adjustment_detail"),
    path("adjustments/<int:pk>/submit/", views_adjustments.adjustment_submit, name="adjustment_submit"),
    path("buildings/<int:pk>/", views.building_detail, name="building_detail"),
    path("buildings/<int:pk>/generate/", views.building_generate, name="building_generate"),
    path("buildings/<int:pk>/price/", views.building_price, name="building_price"),
    path("buildings/<int:pk>/release/", views.building_release, name="building_release"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/hold/", views.unit_hold, name="unit_hold"),
    path("units/<int:pk>/plan/", views.unit_plan, name="unit_plan"),
    path("units/<int:pk>/plan.pdf", views.unit_plan_pdf, name="unit_plan_pdf"),
    path("units/<int:pk>/sale/", views_trades.unit_sale_start, name="unit_sale_start"),
    path("trades/", views_trades.trade_list, name="trade_list"),
    path("receipts/", views_trades.receipt_list, name="receipt_list"),
    path("trades/<int:pk>/", views_trades.trade_detail, name="trade_detail"),
    path("trades/<int:pk>/do/<slug:action>/", views_trades.trade_action, name="trade_action"),
    path("trades/<int:pk>/<slug:doc>.pdf", views_trades.trade_pdf, name="trade_pdf"),
    path("receipts/<int:pk>.pdf", views_trades.receipt_pdf, name="receipt_pdf"),
    path("reports/", views_reports.report_page, name="reports"),
    path("reports/trades/", views_reports.report_trades, name="report_trades"),
    path("visitors/", views_visits.visitor_list, name="visitor_list"),
    path("visitors/<int:pk>/", views_visits.visitor_detail, name="visitor_detail"),
    path("visits/new/", views_visits.visit_new, name="visit_new"),
    path("projects/<int:pk>/office/", views_visits.project_office, name="project_office"),
    path("projects/<int:pk>/office/<slug:what>/", views_visits.project_office_change, name="project_office_change"),
]

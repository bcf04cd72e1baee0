"""The membership pages, in the marketing namespace (/marketing/members/…, /marketing/coupons/…)."""

from django.urls import path

from guanxi.org.lists.views import list_page

from . import views, views_settings

urlpatterns = [
    path("members/", list_page("members"), name="member_list"),
    path("members/new/", views.member_create, name="member_create"),
    path("members/enrol/", views.member_enrol_quick, name="member_enrol"),
    path("members/ledger/", list_page("points_ledger"), name="points_ledger"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/redeem/", views.member_redeem, name="member_redeem"),
    path("members/<int:pk>/adjust/", views.member_adjust, name="member_adjust"),
    path("members/<int:pk>/coupon/", views.member_use_coupon, name="member_use_coupon"),
    path("members/<int:pk>/cancel/", views.member_cancel, name="member_cancel"),
    path("members/programme/", views_settings.loyalty_settings, name="loyalty_settings"),
    path("coupons/", list_page("coupons"), name="coupon_list"),
    path("coupons/new/", views.coupon_form, name="coupon_create"),
    path("coupons/<int:pk>/", views.coupon_form, name="coupon_edit"),
]

from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("my-day/", views.my_day, name="my_day"),
    path("contacts/", views.contact_list, name="contact_list"),
    path("<int:pk>/", views.customer_detail, name="detail"),
]

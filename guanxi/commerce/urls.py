app_name = "commerce"
urlpatterns: list = []

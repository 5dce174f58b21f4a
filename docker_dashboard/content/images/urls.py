from django.urls import re_path

from docker_dashboard.content.images import upload
from docker_dashboard.content.images import views
from docker_dashboard.content.nosniff import nosniff_urls

IMAGE = r'^(?P<image_id>[^/]+)/'

urlpatterns = nosniff_urls([
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(r'^import/$', views.ImportView.as_view(), name='import'),
    re_path(r'^import/(?P<job_id>[A-Za-z0-9_-]+)/$', views.ImportProgressView.as_view(), name='import_progress'),
    re_path(r'^upload/(?P<ticket>[A-Za-z0-9_-]+)/$', upload.UploadView.as_view(), name='upload'),
    re_path(IMAGE + r'$', views.DetailView.as_view(), name='detail'),
    re_path(IMAGE + r'update/$', views.UpdateView.as_view(), name='update'),
])

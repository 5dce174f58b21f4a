from django.urls import re_path

from docker_dashboard.content.containers import views

SERVER = r'^(?P<server_id>[^/]+)/'

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(r'^launch$', views.LaunchView.as_view(), name='launch'),
    re_path(SERVER + r'$', views.DetailView.as_view(), name='detail'),
    re_path(SERVER + r'snapshot/$', views.SnapshotView.as_view(), name='snapshot'),
]

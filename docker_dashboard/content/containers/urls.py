from django.urls import re_path

from docker_dashboard.content.containers import console
from docker_dashboard.content.containers import edit
from docker_dashboard.content.containers import logviews
from docker_dashboard.content.containers import rebuild
from docker_dashboard.content.containers import stats
from docker_dashboard.content.containers import usage
from docker_dashboard.content.containers import views
from docker_dashboard.content.nosniff import nosniff_urls

SERVER = r'^(?P<server_id>[^/]+)/'

urlpatterns = nosniff_urls([
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(r'^launch$', views.LaunchView.as_view(), name='launch'),
    re_path(r'^usage$', usage.ContainersUsageView.as_view(), name='usage'),
    re_path(SERVER + r'$', views.DetailView.as_view(), name='detail'),
    re_path(SERVER + r'snapshot/$', views.SnapshotView.as_view(), name='snapshot'),
    re_path(SERVER + r'rebuild/$', rebuild.RebuildView.as_view(), name='rebuild'),
    re_path(SERVER + r'edit/$', edit.EditView.as_view(), name='edit'),
    re_path(SERVER + r'logs/$', logviews.LiveLogsView.as_view(), name='logs'),
    re_path(SERVER + r'logs/stream$', logviews.LogStreamView.as_view(), name='logs_stream'),
    re_path(SERVER + r'logs/search$', logviews.LogSearchView.as_view(), name='logs_search'),
    re_path(SERVER + r'logs/download$', logviews.LogDownloadView.as_view(), name='logs_download'),
    re_path(SERVER + r'console/url$', console.ConsoleURLView.as_view(), name='console_url'),
    re_path(SERVER + r'stats$', stats.ContainerStatsView.as_view(), name='stats'),
])

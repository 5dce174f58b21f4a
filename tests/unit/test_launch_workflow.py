"""Launch Container workflow with docker_dashboard.api mocked (Horizon's way)."""
import inspect
import types

from django.test.utils import override_settings
from django.urls import reverse

from docker_dashboard import api
from docker_dashboard.content.containers.workflows import launch
from docker_dashboard.content.containers.workflows import launch_steps
from tests import helpers

LAUNCH_URL = reverse('horizon:project:docker_containers:launch')
INDEX_URL = reverse('horizon:project:docker_containers:index')
REAL_SERVER_CREATE = api.nova.server_create
MOCKS = {api.nova: ['availability_zone_list', 'flavor_list', 'tenant_absolute_limits', 'server_create'],
         api.neutron: ['network_service_enabled', 'network_list_for_tenant'],
         api.glance: ['docker_image_list']}


def docker_image(image_id, name, size=5 * 1024 * 1024, container_format='docker'):
    return types.SimpleNamespace(id=image_id, name=name, size=size, container_format=container_format)


class LaunchWorkflowTests(helpers.TestCase):
    def setUp(self):
        super().setUp()
        self.busybox = docker_image('11111111-1111-1111-1111-111111111111', 'busybox:latest')
        self.nginx = docker_image('22222222-2222-2222-2222-222222222222', 'nginx:1.25', size=190 * 1024 * 1024)
        self.flavor = self.flavors.first()  # m1.tiny: 512 MB, 1 vCPU
        self.limits = dict(self.limits['absolute'])  # 2 of 10 instances, 1024 of 10000 MB, 2 of 20 vCPUs used

    def _mock_lists(self, network=False):
        self.mock_availability_zone_list.return_value = self.availability_zones.list()
        self.mock_docker_image_list.return_value = ([self.busybox, self.nginx], False, False)
        self.mock_flavor_list.return_value = self.flavors.list()
        self.mock_tenant_absolute_limits.return_value = self.limits
        self.mock_network_service_enabled.return_value = network
        self.mock_network_list_for_tenant.return_value = self.networks.list() if network else []

    def _form(self, **overrides):
        form = {'name': 'web', 'count': '1', 'availability_zone': '', 'description': 'front end',
                'image_id': self.busybox.id, 'flavor_id': self.flavor.id,
                'command': 'sh -c "echo hi; sleep 3600"',
                'environment': 'MODE=production\n# a comment\nTOKEN=s3cr3t-v4lue\n'}
        form.update(overrides)
        return form

    def _assert_create_called_once_with(self, **kwargs):
        self.mock_server_create.assert_called_once_with(helpers.IsHttpRequest(), **kwargs)
        # create_mocks does not autospec: check the call fits the real function too.
        call = self.mock_server_create.call_args
        inspect.signature(REAL_SERVER_CREATE).bind(*call.args, **call.kwargs)

    def _step(self, res, slug):
        return res.context['workflow'].get_step(slug)

    @helpers.create_mocks(MOCKS)
    def test_get_renders_every_step_and_the_quota(self):
        self._mock_lists()
        res = self.client.get(LAUNCH_URL)
        self.assertTemplateUsed(res, 'horizon/common/_workflow_base.html')
        workflow = res.context['workflow']
        self.assertEqual(['details', 'image', 'flavor', 'command', 'restart', 'network', 'review'],
                         [step.slug for step in workflow.steps])
        self.assertContains(res, 'busybox:latest (5.0')
        self.assertContains(res, 'm1.tiny: 512 MB memory limit, 1 vCPU = 1024 CPU shares')
        self.assertContains(res, 'm1.massive: 10000 MB memory limit, 1000 vCPUs = 1024000 CPU shares')
        self.assertContains(res, 'Any Availability Zone')
        self.assertContains(res, '<option value="nova">nova</option>', html=True)
        self.assertContains(res, '2 of 10 Used')  # instances quota, as Horizon shows it
        self.assertContains(res, '1024 of 10000 Used')
        self.assertContains(res, 'No network')
        self.mock_docker_image_list.assert_called_once_with(helpers.IsHttpRequest(), paginate=False)
        self.mock_tenant_absolute_limits.assert_called_once_with(helpers.IsHttpRequest())
        self.mock_server_create.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_image_id_parameter_preselects_the_image(self):
        self._mock_lists()
        res = self.client.get(LAUNCH_URL + '?image_id=' + self.nginx.id)
        image_step = self._step(res, 'image')
        self.assertEqual(self.nginx.id, image_step.action['image_id'].value())
        self.assertFalse(image_step.has_errors)
        self.assertContains(res, '<option value="%s" selected="selected">' % self.nginx.id)

    @helpers.create_mocks(MOCKS)
    def test_image_id_parameter_of_a_non_docker_image_is_rejected_on_the_image_step(self):
        self._mock_lists()
        other_image = self.images.first()  # a Glance image, not a Docker one: not offered
        res = self.client.get(LAUNCH_URL + '?image_id=' + other_image.id)
        image_step = self._step(res, 'image')
        self.assertTrue(image_step.has_errors)
        self.assertIn('not a Docker image available to you', str(image_step.action.errors['image_id']))
        self.assertContains(res, 'not a Docker image available to you')
        self.assertNotContains(res, 'value="%s"' % other_image.id)

    @helpers.create_mocks(MOCKS)
    def test_valid_post_launches_once_with_the_users_request_and_redirects(self):
        self._mock_lists()
        self.mock_server_create.return_value = None
        res = self.client.post(LAUNCH_URL, self._form(count='2', availability_zone='nova'))
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self._assert_create_called_once_with(
            name='web', image_id=self.busybox.id, flavor_id=self.flavor.id, count=2, availability_zone='nova',
            description='front end', nics='none',
            metadata={'docker_command': 'sh -c "echo hi; sleep 3600"',
                      'docker_env_MODE': 'production', 'docker_env_TOKEN': 's3cr3t-v4lue'})
        self.assertEqual(['Launched 2 containers named "web".'], [str(m) for m in res.wsgi_request._messages])

    @helpers.create_mocks(MOCKS)
    def test_single_launch_message_and_defaults(self):
        self._mock_lists()
        res = self.client.post(LAUNCH_URL, self._form(command='', environment='', description=''), follow=False)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self._assert_create_called_once_with(
            name='web', image_id=self.busybox.id, flavor_id=self.flavor.id, count=1, availability_zone=None,
            description=None, metadata={}, nics='none')
        self.assertEqual(['Launched container "web".'], [str(m) for m in res.wsgi_request._messages])

    @helpers.create_mocks(MOCKS)
    def test_ajax_get_renders_the_modal_wizard(self):
        self._mock_lists()
        res = self.client.get(LAUNCH_URL, HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertTemplateUsed(res, 'horizon/common/_workflow.html')
        self.assertTemplateNotUsed(res, 'horizon/common/_workflow_base.html')
        self.assertContains(res, 'horizon.modals.init_wizard()')
        self.assertContains(res, launch.REVIEW_HEADER)

    @helpers.create_mocks(MOCKS)
    def test_chosen_network_becomes_the_nic(self):
        self._mock_lists(network=True)
        network = self.networks.first()
        res = self.client.post(LAUNCH_URL, self._form(network_ids=[network.id]))
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertEqual([{'net-id': network.id}], self.mock_server_create.call_args.kwargs['nics'])
        self.mock_network_list_for_tenant.assert_called_once_with(helpers.IsHttpRequest())

    @helpers.create_mocks(MOCKS)
    def test_several_networks_become_one_nic_each_and_are_listed_with_their_cidrs(self):
        self._mock_lists(network=True)
        first, second = self.networks.list()[:2]
        res = self.client.get(LAUNCH_URL)
        labels = dict(self._step(res, 'network').action.fields['network_ids'].choices)
        cidrs = [subnet.cidr for subnet in first.subnets]
        self.assertTrue(cidrs)
        self.assertEqual(launch_steps.network_label(first), labels[first.id])
        for cidr in cidrs:
            self.assertIn(cidr, labels[first.id])
        res = self.client.post(LAUNCH_URL, self._form(network_ids=[first.id, second.id]))
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertEqual([{'net-id': first.id}, {'net-id': second.id}],
                         self.mock_server_create.call_args.kwargs['nics'])

    @helpers.create_mocks(MOCKS)
    def test_without_neutron_only_no_network_is_offered_and_nics_is_none(self):
        self._mock_lists(network=False)
        res = self.client.get(LAUNCH_URL)
        self.assertEqual([], list(self._step(res, 'network').action.fields['network_ids'].choices))
        self.mock_network_list_for_tenant.assert_not_called()
        res = self.client.post(LAUNCH_URL, self._form())
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertEqual('none', self.mock_server_create.call_args.kwargs['nics'])

    @helpers.create_mocks(MOCKS)
    def test_network_not_in_the_list_is_refused(self):
        self._mock_lists(network=False)
        res = self.client.post(LAUNCH_URL, self._form(network_ids=[self.networks.first().id]))
        self.assertIn('network_ids', self._step(res, 'network').action.errors)
        self.mock_server_create.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_invalid_environment_line_is_shown_next_to_the_field(self):
        self._mock_lists()
        res = self.client.post(LAUNCH_URL, self._form(environment='GOOD=1\nnot a pair\n'))
        self.assertEqual(200, res.status_code)
        step = self._step(res, 'command')
        self.assertTrue(step.has_errors)
        self.assertEqual(['Line 2: expected KEY=VALUE.'], step.action.errors['environment'])
        self.assertContains(res, 'Line 2: expected KEY=VALUE.')
        self.mock_server_create.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_unparsable_command_is_shown_next_to_the_command(self):
        self._mock_lists()
        res = self.client.post(LAUNCH_URL, self._form(command='echo "unclosed'))
        self.assertIn('command', self._step(res, 'command').action.errors)
        self.mock_server_create.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_missing_image_is_an_error(self):
        self._mock_lists()
        res = self.client.post(LAUNCH_URL, self._form(image_id=''))
        self.assertEqual(['Choose the Docker image to launch.'], self._step(res, 'image').action.errors['image_id'])
        self.mock_server_create.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_non_docker_image_id_is_an_error(self):
        self._mock_lists()
        res = self.client.post(LAUNCH_URL, self._form(image_id=self.images.first().id))
        errors = self._step(res, 'image').action.errors['image_id']
        self.assertIn('not a Docker image available to you', errors[0])
        self.mock_server_create.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_image_that_glance_returns_with_another_format_is_not_offered(self):
        self._mock_lists()
        qcow = docker_image('33333333-3333-3333-3333-333333333333', 'cirros', container_format='bare')
        self.mock_docker_image_list.return_value = ([self.busybox, qcow], False, False)
        res = self.client.post(LAUNCH_URL, self._form(image_id=qcow.id))
        self.assertIn('image_id', self._step(res, 'image').action.errors)
        self.mock_server_create.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_count_beyond_the_instance_quota_is_an_error_on_count(self):
        self._mock_lists()
        res = self.client.post(LAUNCH_URL, self._form(count='9'))  # 2 of 10 used: 8 left
        errors = self._step(res, 'details').action.errors['count']
        self.assertEqual(['Your quota allows 8 more containers (2 of 10 instances used).'], errors)
        self.assertEqual('details', res.context['workflow'].get_entry_point())
        self.mock_server_create.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_count_beyond_the_ram_quota_is_an_error_on_count(self):
        self._mock_lists()
        self.limits['maxTotalRAMSize'] = 2048  # 1024 used: 1024 MB left, two m1.tiny fit, three do not
        res = self.client.post(LAUNCH_URL, self._form(count='3'))
        errors = self._step(res, 'details').action.errors['count']
        self.assertEqual(['3 × m1.tiny need 1536 MB of RAM; 1024 MB of your 2048 MB quota is left.'], errors)
        self.mock_server_create.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_count_beyond_the_vcpu_quota_is_an_error_on_count(self):
        self._mock_lists()
        self.limits['maxTotalCores'] = 3
        res = self.client.post(LAUNCH_URL, self._form(count='2'))
        self.assertIn('need 2 vCPUs; 1 of your 3 vCPUs quota is left', str(self._step(res, 'details').action.errors))
        self.mock_server_create.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_unlimited_quota_allows_any_count(self):
        self._mock_lists()
        self.limits.update(maxTotalInstances=float('inf'), maxTotalRAMSize=float('inf'), maxTotalCores=float('inf'))
        res = self.client.post(LAUNCH_URL, self._form(count='50'))
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertEqual(50, self.mock_server_create.call_args.kwargs['count'])

    @helpers.create_mocks(MOCKS)
    def test_nova_error_on_create_is_a_message_not_a_500(self):
        self._mock_lists()
        self.mock_server_create.side_effect = self.exceptions.nova
        res = self.client.post(LAUNCH_URL, self._form())
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_server_create.assert_called_once()
        self.assertMessageCount(success=0)
        self.assertMessageCount(error=1)
        self.assertEqual(['Unable to launch container "web".\u2026Expected failure.'],
                         [str(message) for message in res.wsgi_request._messages])

    @helpers.create_mocks(MOCKS)
    def test_wizard_step_validation_reports_quota_on_count_as_json(self):
        self._mock_lists()
        res = self.client.post(LAUNCH_URL, self._form(count='11'),
                               HTTP_X_HORIZON_VALIDATE_STEP_START='0', HTTP_X_HORIZON_VALIDATE_STEP_END='0')
        data = res.json()
        self.assertTrue(data['has_errors'])
        self.assertEqual({'count': ['Your quota allows 8 more containers (2 of 10 instances used).']},
                         data['errors']['details'])
        self.mock_server_create.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_policy_that_forbids_server_create_closes_the_workflow(self):
        def deny_create(rules, request, target=None):
            return ('compute', 'os_compute_api:servers:create') not in rules

        with override_settings(POLICY_CHECK_FUNCTION=deny_create):
            res = self.client.get(LAUNCH_URL)
            self.assertNotEqual(200, res.status_code)
            res = self.client.post(LAUNCH_URL, self._form())
            self.assertNotEqual(200, res.status_code)
        self.mock_server_create.assert_not_called()
        self.mock_docker_image_list.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_review_request_summarises_the_form_with_argv_and_env_values_and_launches_nothing(self):
        self._mock_lists()
        res = self.client.post(LAUNCH_URL, self._form(count='2'), HTTP_X_DOCKER_DASHBOARD_LAUNCH_REVIEW='1')
        self.assertEqual(200, res.status_code)
        content = res.content.decode()
        # The command as the argument vector nova_docker runs; environment values are not secret.
        for text in ('web', 'busybox:latest (5.0', 'm1.tiny', '512 MB', '1024', 'MODE=production',
                     'TOKEN=s3cr3t-v4lue', 'No network', 'Command (argv)',
                     '[&quot;sh&quot;, &quot;-c&quot;, &quot;echo hi; sleep 3600&quot;]'):
            self.assertIn(text, content)
        self.mock_server_create.assert_not_called()

    @helpers.create_mocks(MOCKS)
    def test_interactive_option_becomes_docker_interactive_metadata_and_shows_on_review(self):
        self._mock_lists()
        review = self.client.post(LAUNCH_URL, self._form(interactive='on', command='sh'),
                                  HTTP_X_DOCKER_DASHBOARD_LAUNCH_REVIEW='1').content.decode()
        self.assertIn('Yes: stdin and a TTY; the console attaches to the command', review)
        res = self.client.post(LAUNCH_URL, self._form(interactive='on', command='sh', environment=''))
        self.assertNoFormErrors(res)
        self._assert_create_called_once_with(
            name='web', image_id=self.busybox.id, flavor_id=self.flavor.id, count=1, availability_zone=None,
            description='front end', nics='none', metadata={'docker_interactive': 'true', 'docker_command': 'sh'})

    @helpers.create_mocks(MOCKS)
    def test_without_the_interactive_option_no_metadata_and_review_says_no(self):
        self._mock_lists()
        review = self.client.post(LAUNCH_URL, self._form(), HTTP_X_DOCKER_DASHBOARD_LAUNCH_REVIEW='1')
        self.assertIn('<dt>Interactive</dt>\n    <dd>No</dd>', review.content.decode())

    @helpers.create_mocks(MOCKS)
    def test_review_step_of_a_fresh_form_says_it_is_loading_not_fill_in(self):
        self._mock_lists()
        res = self.client.get(LAUNCH_URL)
        review = self._step(res, 'review').render()
        self.assertIn('Loading the summary of the launch', review)
        self.assertNotIn('Fill in the previous steps', review)

    @helpers.create_mocks(MOCKS)
    def test_command_and_environment_help_say_how_they_are_used(self):
        self._mock_lists()
        res = self.client.get(LAUNCH_URL)
        fields = self._step(res, 'command').action.fields
        self.assertIn('runs without a shell', str(fields['command'].help_text))
        self.assertIn('Review shows the resulting arguments', str(fields['command'].help_text))
        self.assertIn('not secret', str(fields['environment'].help_text))

    @helpers.create_mocks(MOCKS)
    def test_the_only_network_of_the_project_is_preselected(self):
        self._mock_lists(network=True)
        only = self.networks.first()
        self.mock_network_list_for_tenant.return_value = [only]
        res = self.client.get(LAUNCH_URL)
        self.assertContains(res, f'value="{only.id}"')
        self.assertContains(res, 'checked', count=1)
        self.assertRegex(res.content.decode(), rf'<input[^>]*value="{only.id}"[^>]*checked|'
                                               rf'<input[^>]*checked[^>]*value="{only.id}"')

    @helpers.create_mocks(MOCKS)
    def test_several_networks_are_not_preselected(self):
        self._mock_lists(network=True)
        res = self.client.get(LAUNCH_URL)
        self.assertEqual(None, self._step(res, 'network').action.fields['network_ids'].initial)

    @helpers.create_mocks(MOCKS)
    def test_option_labels_are_escaped_once(self):
        """Horizon's themable select escaped a label and its template again: `&quot;` on screen."""
        self._mock_lists()
        self.busybox.name = 'web "prod" & <b>x</b>:latest'
        page = self.client.get(LAUNCH_URL).content.decode()
        self.assertIn('web &quot;prod&quot; &amp; &lt;b&gt;x&lt;/b&gt;:latest', page)
        self.assertNotIn('&amp;quot;', page)
        self.assertNotIn('<b>x</b>', page)

    @helpers.create_mocks(MOCKS)
    def test_review_escapes_untrusted_image_names(self):
        self._mock_lists()
        self.busybox.name = '<script>alert(1)</script>:latest'
        res = self.client.post(LAUNCH_URL, self._form(), HTTP_X_DOCKER_DASHBOARD_LAUNCH_REVIEW='1')
        self.assertNotIn('<script>alert(1)', res.content.decode())
        self.assertIn('&lt;script&gt;alert(1)&lt;/script&gt;:latest', res.content.decode())


class LaunchHelpersTests(helpers.TestCase):
    def test_cpu_shares_follow_nova_docker(self):
        self.assertEqual(1024, launch_steps.cpu_shares(1))
        self.assertEqual(4096, launch_steps.cpu_shares(4))
        self.assertEqual(2, launch_steps.cpu_shares(0))

    def test_quota_bars_show_unlimited_as_none(self):
        bars = launch_steps.quota_bars({'totalInstancesUsed': 3, 'maxTotalInstances': float('inf'),
                                        'totalCoresUsed': 5, 'maxTotalCores': 4, 'totalRAMUsed': 512,
                                        'maxTotalRAMSize': 2048})
        self.assertEqual([(3, None, 0), (5, 4, 100), (512, 2048, 25)],
                         [(bar['used'], bar['max'], bar['percent']) for bar in bars])

    def test_link_targets_the_launch_view_with_the_create_policy(self):
        self.assertEqual('horizon:project:docker_containers:launch', launch.LaunchLink.url)
        self.assertIn('ajax-modal', launch.LaunchLink.classes)
        self.assertEqual((('compute', 'os_compute_api:servers:create'),), launch.LaunchLink.policy_rules)

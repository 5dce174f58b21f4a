"""docker-dashboard: Docker containers and images in OpenStack Horizon."""
import os

import setuptools

HERE = os.path.dirname(os.path.abspath(__file__))


def _package_data_under(top: str) -> list:
    """All files below a top-level folder, relative to it (for package_data)."""
    found = []
    for root, _dirs, files in os.walk(os.path.join(HERE, top)):
        for name in files:
            if name.endswith(('.pyc', '.pyo')):
                continue
            found.append(os.path.relpath(os.path.join(root, name), os.path.join(HERE, top)))
    return found


def _requirements() -> list:
    with open(os.path.join(HERE, 'requirements.txt')) as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith('#')]


setuptools.setup(
    name='docker-dashboard',
    version='0.1.0',
    description='Horizon plugin: Docker containers and images in an OpenStack cloud',
    long_description=open(os.path.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.10',
    # enabled/, static/ and templates/ live at the top of the repository but are installed
    # inside the package, where Horizon's loaders look for them.
    packages=setuptools.find_packages(include=['docker_dashboard', 'docker_dashboard.*', 'nova_docker',
                                               'nova_docker.*'])
    + ['docker_dashboard.enabled', 'docker_dashboard.static', 'docker_dashboard.templates'],
    package_dir={
        'docker_dashboard.enabled': 'enabled',
        'docker_dashboard.static': 'static',
        'docker_dashboard.templates': 'templates',
    },
    package_data={
        'docker_dashboard': ['local_settings.d/*.example', 'locale/*/LC_MESSAGES/*'],
        'docker_dashboard.static': _package_data_under('static'),
        'docker_dashboard.templates': _package_data_under('templates'),
    },
    include_package_data=False,
    install_requires=_requirements(),
    entry_points={
        # The ML2 mechanism driver that binds ports on nova_docker hosts (neutron-server loads it).
        'neutron.ml2.mechanism_drivers': [
            'nova_docker = nova_docker.neutron_mech:NovaDockerMechanismDriver'],
    },
    classifiers=[
        'Environment :: OpenStack',
        'Framework :: Django',
        'Programming Language :: Python :: 3',
    ],
)

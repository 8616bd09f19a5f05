"""The cluster's nginx configuration is valid for any number of replicas (nginx -t), and `up`
refuses what it cannot do before starting anything. The cluster itself runs in
tests/e2e/test_replicas.py."""
import subprocess
from pathlib import Path

import pytest

from core import cluster


@pytest.mark.parametrize("replicas", [1, 2, 3, 7])
def test_the_nginx_configuration_is_valid_for_any_number_of_replicas(tmp_path, replicas):
    if not Path(cluster.NGINX).exists():
        pytest.skip("nginx is not installed (apt-get install nginx-light); .ci/run installs it")
    (tmp_path / "nginx-temp").mkdir()
    config = tmp_path / "nginx.conf"
    config.write_text(cluster.nginx_config(tmp_path, 8600, [8601 + i for i in range(replicas)]), encoding="utf-8")
    checked = subprocess.run([cluster.NGINX, "-t", "-q", "-c", str(config), "-p", str(tmp_path)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    text = config.read_text(encoding="utf-8")
    assert all(f"r{i} r{i};" in text for i in range(1, replicas + 1))  # each replica can be pinned


def test_up_refuses_no_replicas_and_a_second_cluster_in_the_same_folder(tmp_path):
    with pytest.raises(cluster.ClusterError, match="at least 1"):
        cluster.up(tmp_path, replicas=0)
    (tmp_path / cluster.STATE_FILE).write_text('{"replicas": []}', encoding="utf-8")
    with pytest.raises(cluster.ClusterError, match="already runs"):
        cluster.up(tmp_path, database_url="sqlite://")
    assert cluster.main(["up", "--dir", str(tmp_path), "--replicas", "0"]) == 1

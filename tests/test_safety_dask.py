"""The local Dask cluster of `--engine dask` is ours alone, and a user's scheduler takes TLS settings
from distributed's own configuration."""

import json
import signal
import socket
import ssl
import subprocess
import sys
import time

import psutil
import pytest

from single_neuron.engines.dask_cluster import session


def _listening(pid: int) -> set[int]:
    ports = set()
    try:
        parent = psutil.Process(pid)
        for proc in [parent, *parent.children(recursive=True)]:
            ports |= {c.laddr.port for c in proc.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN}
    except psutil.Error:
        pass
    return ports


def _foreign_tls_context(tmp_path) -> ssl.SSLContext:
    """A TLS client with a certificate of its own: what another user could make."""
    from distributed.security import Security

    other = Security.temporary()
    (tmp_path / "other.pem").write_text(other.tls_client_key + other.tls_client_cert)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    context.load_cert_chain(tmp_path / "other.pem")
    return context


def _answer(port: int, context: ssl.SSLContext | None) -> bytes:
    """What a port says to a stranger who asks over plain TCP (an HTTP request) or over TLS."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as raw:
            if context is None:
                raw.sendall(b"GET / HTTP/1.0\r\n\r\n")
                return raw.recv(1024)
            with context.wrap_socket(raw) as conn:
                conn.sendall(b"\x00" * 64)
                return conn.recv(1024)
    except (OSError, ssl.SSLError):
        return b""


def test_the_local_cluster_of_engine_dask_refuses_a_process_without_its_credentials(tmp_path):
    from dask.distributed import Client

    proc = subprocess.Popen([sys.executable, "-m", "single_neuron", "train", "--engine", "dask", "--iterations",
                             "1000000", "--print-every", "1000000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("Cost after iteration 0")      # the cluster is at work
        ports, deadline = _listening(proc.pid), time.monotonic() + 20
        while time.monotonic() < deadline:                                       # until no port comes or goes
            time.sleep(0.5)
            now = _listening(proc.pid)
            if now == ports:
                break
            ports = now
        assert len(ports) >= 3                              # the scheduler, and a worker and a nanny or more
        context = _foreign_tls_context(tmp_path)
        for port in sorted(ports):
            assert not _answer(port, None).startswith(b"HTTP/"), f"port {port} answers HTTP"
            assert _answer(port, context) == b"", f"port {port} talks to a stranger over TLS"
            with pytest.raises(OSError):                   # distributed's own client, as an attacker would
                Client(f"tcp://127.0.0.1:{port}", timeout="2s").close()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130 and err == "single-neuron: interrupted\n"


@pytest.fixture(scope="module")
def tls_scheduler(tmp_path_factory):
    """A user's TLS scheduler, and its credentials in files, as a user keeps them."""
    from dask.distributed import LocalCluster
    from distributed.security import Security

    folder = tmp_path_factory.mktemp("tls")
    credentials = Security.temporary()
    for name, text in (("ca.pem", credentials.tls_ca_file), ("cert.pem", credentials.tls_client_cert),
                       ("key.pem", credentials.tls_client_key)):
        (folder / name).write_text(text)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, security=credentials, host="127.0.0.1",
                      scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"}) as cluster:
        yield cluster.scheduler_address, folder


def test_a_tls_scheduler_is_reached_with_the_certificates_in_dasks_configuration(tls_scheduler, run_cli):
    import dask

    address, folder = tls_scheduler
    code, out, err = run_cli("train", "--engine", "dask", "--scheduler", address, "--iterations", "3", "--json")
    assert code == 1 and out == "" and err.count("\n") == 1 and "distributed.comm.tls.ca-file" in err
    config = {"distributed.comm.tls.ca-file": str(folder / "ca.pem"),
              "distributed.comm.tls.client.cert": str(folder / "cert.pem"),
              "distributed.comm.tls.client.key": str(folder / "key.pem")}
    with dask.config.set(config):
        code, out, err = run_cli("train", "--engine", "dask", "--scheduler", address, "--iterations", "3", "--json")
    assert code == 0, err
    report = json.loads(out)           # the digits, loaded here and sent to the workers in chunks
    assert (report["route"], report["engine"], report["solver"]) == ("memory", "dask", "primal")


def test_a_session_asked_for_no_dashboard_serves_no_http():
    from urllib.parse import urlsplit

    with session() as client:
        info = client.scheduler_info()
        assert client.scheduler.address.startswith("tls://127.0.0.1:") and len(info["workers"]) == 2
        addresses = [info["address"], *info["workers"], *(w["nanny"] for w in info["workers"].values())]
        ports = {urlsplit(a).port for a in addresses} | set(info["services"].values())
        assert all(a.startswith("tls://127.0.0.1:") for a in addresses) and info["services"]
        for port in ports:
            assert not _answer(port, None).startswith(b"HTTP/"), port


def test_the_readme_s_dask_run_ends_quietly(cats):
    """The pass's actors are released before the cluster closes: no worker is left calling a
    scheduler that is gone ("Failed to communicate with scheduler during heartbeat"), no traceback.
    Three times: the shutdown's order is a race when it is wrong."""
    for _ in range(3):
        done = subprocess.run([sys.executable, "-m", "single_neuron", "train", str(cats),
                               "--engine", "dask", "--iterations", "100", "--quiet"],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert "test accuracy: 84.0 %" in done.stdout
        assert "Traceback" not in done.stderr and "heartbeat" not in done.stderr, done.stderr
        assert [line for line in done.stderr.splitlines() if line.strip()] == [
            line for line in done.stderr.splitlines() if line.startswith("single-neuron: warning: ")]

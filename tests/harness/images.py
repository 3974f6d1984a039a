"""Build and run a bake's Dockerfile for real with podman, with no registry and no Docker engine.

DESIGN.md §5: podman runs rootful with the vfs storage driver, host networking, cgroupfs and runc.
No registry serves base images here, so the images the Dockerfile names are made offline and tagged
with those names: `python:<version>-slim-trixie` from a Debian minbase root filesystem
(debootstrap; trixie carries Python 3.13, bookworm 3.11), and the uv image as a `FROM scratch`
layer holding `/uv` and `/uvx` from the uv wheel of the pinned version. The package index is
reached through the machine's CA bundle, mounted into the build.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.baking import CommandFailed

# Where podman keeps its images for the suite, and where the base root filesystems are cached
# between runs on one machine (a fresh machine builds them once: about a minute each).
# A fixed path on purpose: the image store is kept across runs.
PODMAN_ROOT = Path(os.environ.get("TEMPLATE_PODMAN_ROOT", "/var/tmp/template-podman"))  # noqa: S108
ROOTFS_CACHE = Path(os.environ.get("TEMPLATE_ROOTFS_CACHE", "/var/cache/template-images"))
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
# python_version -> the Debian suite whose python3 is that version.
DEBIAN_SUITES = {"3.13": "trixie", "3.11": "bookworm"}
UV_IMAGE_RE = re.compile(r"ghcr\.io/astral-sh/uv:(?P<version>[0-9.]+)")


class PodmanUnavailable(RuntimeError):
    """podman (or debootstrap) is missing: the message says what to install."""


def missing_tools() -> list[str]:
    return [tool for tool in ("podman", "debootstrap", "runc") if shutil.which(tool) is None]


def _write_once(path: Path, text: str) -> None:
    """Write a config file only when it changes, atomically: podman re-reads it mid-build."""
    if path.exists() and path.read_text() == text:
        return
    partial = path.with_suffix(".partial")
    partial.write_text(text)
    partial.replace(path)


def podman_env() -> dict[str, str]:
    """Configuration files for a podman that works here (DESIGN.md §5), written once."""
    PODMAN_ROOT.mkdir(parents=True, exist_ok=True)
    containers = PODMAN_ROOT / "containers.conf"
    # Raising a container's rlimits above what this sandbox grants fails ("error setting rlimit
    # type 7"), and podman raises nofile and nproc by default when root: ask for less instead.
    _write_once(
        containers,
        '[containers]\nnetns = "host"\ndefault_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]\n\n'
        '[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\nevents_logger = "file"\n',
    )
    storage = PODMAN_ROOT / "storage.conf"
    _write_once(
        storage,
        f'[storage]\ndriver = "vfs"\ngraphroot = "{PODMAN_ROOT / "storage"}"\n'
        f'runroot = "{PODMAN_ROOT / "run"}"\n',
    )
    return {
        **os.environ,
        "CONTAINERS_CONF": str(containers),
        "CONTAINERS_STORAGE_CONF": str(storage),
        "STORAGE_DRIVER": "vfs",
    }


def podman(*args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run podman with the suite's configuration; on failure raise with its output."""
    proc = subprocess.run(
        ["podman", *args], env=podman_env(), capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and proc.returncode != 0:
        raise CommandFailed(
            f"`podman {' '.join(args)}` exited {proc.returncode}:\n{(proc.stdout + proc.stderr)[-6000:]}"
        )
    return proc


def _import_tar(tar_path: Path, tag: str) -> None:
    subprocess.run(
        ["podman", "import", str(tar_path), tag], env=podman_env(), check=True, capture_output=True,
        timeout=600,
    )  # fmt: skip


def image_exists(tag: str) -> bool:
    return podman("image", "exists", tag, check=False).returncode == 0


def rootfs_tar(suite: str, python: str) -> Path:
    """A Debian minbase root filesystem with `python<version>` and CA certificates, as a tar."""
    tar_path = ROOTFS_CACHE / f"rootfs-{suite}-{python}.tar"
    if tar_path.is_file():
        return tar_path
    ROOTFS_CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ROOTFS_CACHE) as tmp:
        root = Path(tmp) / "root"
        proc = subprocess.run(
            ["debootstrap", "--variant=minbase", f"--include={python},ca-certificates", suite, str(root)],
            capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            raise CommandFailed(f"debootstrap {suite} failed:\n{(proc.stdout + proc.stderr)[-4000:]}")
        # The official image puts `python` and `python3` on PATH; this minbase has only python3.X.
        bin_dir = root / "usr/bin"
        for alias in ("python", "python3"):
            if not (bin_dir / alias).exists():
                (bin_dir / alias).symlink_to(python)
        partial = tar_path.with_suffix(".partial")
        subprocess.run(["tar", "-C", str(root), "-cf", str(partial), "."], check=True, timeout=600)
        partial.rename(tar_path)
    return tar_path


def ensure_python_base(python_version: str) -> str:
    """The tag the Dockerfile's FROM names for `python_version`, made from Debian if absent."""
    tag = f"docker.io/library/python:{python_version}-slim-trixie"
    if not image_exists(tag):
        suite = DEBIAN_SUITES.get(python_version)
        if suite is None:
            raise PodmanUnavailable(f"no Debian suite here carries Python {python_version}")
        _import_tar(rootfs_tar(suite, f"python{python_version}"), tag)
    return tag


def ensure_uv_image(dockerfile: Path) -> str:
    """`ghcr.io/astral-sh/uv:<pinned>` as a scratch image with /uv and /uvx from the uv wheel."""
    match = UV_IMAGE_RE.search(dockerfile.read_text())
    assert match, "the Dockerfile copies uv from its pinned image"
    tag = match.group(0)
    if image_exists(tag):
        return tag
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             "--dest", tmp, f"uv=={match['version']}"],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        wheel = next(Path(tmp).glob("uv-*.whl"))
        layer = Path(tmp) / "uv.tar"
        with zipfile.ZipFile(wheel) as archive, tarfile.open(layer, "w") as tar:
            for name in archive.namelist():
                binary = name.rsplit("/", 1)[-1]
                if ".data/scripts/" in name and binary in {"uv", "uvx"}:
                    data = archive.read(name)
                    info = tarfile.TarInfo(binary)
                    info.size, info.mode = len(data), 0o755
                    tar.addfile(info, io.BytesIO(data))
        _import_tar(layer, tag)
    return tag


@dataclass(frozen=True)
class Image:
    tag: str
    base: str
    size: int  # bytes, as podman reports the image
    base_size: int

    @property
    def above_base_mib(self) -> float:
        return (self.size - self.base_size) / 2**20


def image_size(tag: str) -> int:
    return int(podman("image", "inspect", "--format", "{{.Size}}", tag).stdout.strip())


def build(context: Path, tag: str, target: str | None = None) -> None:
    """`podman build` of the bake's Dockerfile, the index reached through the host's CA bundle."""
    args = [
        # --layers=false: under vfs every cached layer is a whole copy of the root filesystem.
        "build", "--pull=never", "--network", "host", "--format", "docker", "--layers=false",
        "-v", "/etc/ssl/certs:/etc/ssl/certs:ro",
        "--env", f"SSL_CERT_FILE={CA_BUNDLE}", "--env", "UV_SYSTEM_CERTS=1",
        "--tag", tag,
    ]  # fmt: skip
    if target:
        args += ["--target", target]
    built = podman(*args, str(context), timeout=900, check=False)
    if built.returncode != 0 and "runroot must be set" in built.stdout + built.stderr:
        # A podman-internal hiccup seen once here mid-build, not a fault of the Dockerfile: the
        # same build passed before and after. One more try; a second failure is reported.
        built = podman(*args, str(context), timeout=900, check=False)
    if built.returncode != 0:
        raise CommandFailed(f"podman build of {context} failed:\n{(built.stdout + built.stderr)[-6000:]}")


def inspect(tag: str) -> dict[str, object]:
    data: list[dict[str, object]] = json.loads(podman("image", "inspect", tag).stdout)
    return data[0]


def env_args(env: Mapping[str, str]) -> list[str]:
    return [arg for key, value in env.items() for arg in ("--env", f"{key}={value}")]


def run_once(tag: str, env: Mapping[str, str], command: Sequence[str], volumes: Sequence[str] = ()) -> str:
    """A one-shot container (like compose's migrate service); its output."""
    volume_args = [arg for volume in volumes for arg in ("--volume", volume)]
    return podman(
        "run", "--rm", "--network", "host", *env_args(env), *volume_args, tag, *command, timeout=300
    ).stdout


@contextmanager
def container(
    tag: str,
    name: str,
    env: Mapping[str, str],
    command: Sequence[str] = (),
    volumes: Sequence[str] = (),
) -> Iterator[str]:
    """A detached container on the host network; removed afterwards. Yields its name."""
    volume_args = [arg for volume in volumes for arg in ("--volume", volume)]
    podman("rm", "--force", name, check=False)
    podman("run", "--detach", "--name", name, "--network", "host", *env_args(env), *volume_args, tag,
           *command)  # fmt: skip
    try:
        yield name
    except Exception as failure:
        # Whatever failed inside, the container's own account goes with it.
        state = podman("inspect", "--format", "{{json .State}}", name, check=False).stdout.strip()
        failure.add_note(f"container {name}: {state}\nits last logs:\n{logs(name)}")
        raise
    finally:
        podman("rm", "--force", "--time", "10", name, check=False, timeout=60)


def logs(name: str) -> str:
    proc = podman("logs", name, check=False)
    return (proc.stdout + proc.stderr)[-4000:]


def wait_for_log_line(name: str, marker: str, timeout: float = 60) -> None:
    """Wait for `marker` in the logs of a container started by `container()` (which attaches
    its state and logs to a failure)."""
    deadline = time.monotonic() + timeout
    while marker not in logs(name):
        running = podman("inspect", "--format", "{{.State.Running}}", name, check=False).stdout.strip()
        assert running == "true", f"{name} exited"
        assert time.monotonic() < deadline, f"{name} never logged {marker!r}"
        time.sleep(0.5)

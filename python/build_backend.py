"""The build backend of `pip install .` (PEP 517; pyproject.toml names it): CMake builds the
extension module (python/core.cpp and the layers under it) for the Python that runs pip,
and the wheel holds it with the package's Python files and the bundled scenarios.

It needs nothing but the standard library, CMake and the C++ dependencies
(tools/setup.sh), so it works offline with `pip install --no-build-isolation .`, for any
python3 >= 3.9 (with pybind11's headers, which Debian's pybind11-dev provides to all).
The build folder is build/pip-<interpreter> in the source tree (kept, so that a second
install rebuilds only what changed); MIGFLOW_PIP_BUILD_DIR names another.
"""

import base64
import hashlib
import io
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "migflow"
SUMMARY = ("Agent-based simulation of migration flows between the EU and its partner countries, "
           "for comparing partnership policies")
# open_run needs h5netcdf, a plot matplotlib: extras, since Debian's h5py is installed
# under another distribution name, which pip cannot match to h5netcdf's requirement.
REQUIRES = ["numpy", "xarray", "pandas"]
EXTRAS = {"files": ["h5netcdf"], "plot": ["matplotlib"]}
PYTHON = ">=3.9"
# The package's files besides the extension module: Python, its types, the data folder's
# location (package-relative in a wheel).
PACKAGE_FILES = ["__init__.py", "_progress.py", "_core.pyi", "py.typed", "_data_dir.py"]


def _version():
    """The project's version, from CMakeLists.txt (one place for the C++ and Python)."""
    text = (ROOT / "CMakeLists.txt").read_text(encoding="utf-8")
    return re.search(r"project\(migflow VERSION ([0-9.]+)", text).group(1)


def _tag():
    """This interpreter's wheel tag: cp311-cp311-linux_x86_64."""
    impl = f"{sys.implementation.name[:2]}{sys.version_info.major}{sys.version_info.minor}"
    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return f"{impl}-{impl}-{platform}"


def _metadata():
    lines = ["Metadata-Version: 2.1", f"Name: {NAME}", f"Version: {_version()}", f"Summary: {SUMMARY}",
             f"Requires-Python: {PYTHON}"]
    lines += [f"Requires-Dist: {r}" for r in REQUIRES]
    for extra, requires in EXTRAS.items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {r}; extra == "{extra}"' for r in requires]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return "\n".join(lines) + "\nDescription-Content-Type: text/markdown\n\n" + readme


def _build_extension():
    """CMake configures (once) and builds the extension for sys.executable; its path."""
    build = Path(os.environ.get("MIGFLOW_PIP_BUILD_DIR") or ROOT / "build" / f"pip-{_tag()}")
    configure = ["cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                 f"-DPython_EXECUTABLE={sys.executable}", "-DMIGFLOW_BUILD_PYTHON=ON",
                 "-DMIGFLOW_BUILD_TESTS=OFF", "-DMIGFLOW_BUILD_BENCH=OFF", "-DMIGFLOW_BUILD_EXAMPLES=OFF"]
    jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
    # pip shows this output with -v; a failure shows it whole.
    subprocess.run(configure, check=True, stdout=sys.stderr)
    subprocess.run(["cmake", "--build", str(build), "--target", "migflow_python", "-j", jobs], check=True,
                   stdout=sys.stderr)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    module = build / "python" / NAME / f"_core{suffix}"
    if not module.is_file():
        raise RuntimeError(f"the build made no {module.name} in {module.parent}")
    return module


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _wheel_files(module):
    """(name in the wheel, bytes), the package's files first."""
    package = ROOT / "python" / NAME
    for f in PACKAGE_FILES:
        yield f"{NAME}/{f}", (package / f).read_bytes()
    yield f"{NAME}/{module.name}", module.read_bytes()
    for path in sorted((ROOT / "scenarios").rglob("*")):
        if path.is_file():
            yield f"{NAME}/data/scenarios/{path.relative_to(ROOT / 'scenarios').as_posix()}", path.read_bytes()


# --- PEP 517 hooks -------------------------------------------------------------------------

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = Path(metadata_directory) / f"{NAME}-{_version()}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(_metadata(), encoding="utf-8")
    return info.name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    module = _build_extension()
    info = f"{NAME}-{_version()}.dist-info"
    wheel_name = f"{NAME}-{_version()}-{_tag()}.whl"
    records = []
    with zipfile.ZipFile(Path(wheel_directory) / wheel_name, "w", zipfile.ZIP_DEFLATED) as wheel:
        def add(name, data):
            wheel.writestr(name, data)
            records.append(_record_line(name, data))

        for name, data in _wheel_files(module):
            add(name, data)
        add(f"{info}/METADATA", _metadata().encode())
        add(f"{info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: migflow build_backend\nRoot-Is-Purelib: false\n"
                             f"Tag: {_tag()}\n".encode())
        add(f"{info}/top_level.txt", f"{NAME}\n".encode())
        records.append(f"{info}/RECORD,,")
        wheel.writestr(f"{info}/RECORD", "\n".join(records) + "\n")
    return wheel_name


def build_sdist(sdist_directory, config_settings=None):
    """The source tree as git knows it (or, without git, every file but build folders)."""
    base = f"{NAME}-{_version()}"
    try:
        names = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], check=True, capture_output=True).stdout
        files = [ROOT / n for n in names.decode().split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        files = [p for p in ROOT.rglob("*")
                 if p.is_file() and not p.relative_to(ROOT).parts[0].startswith(("build", ".git"))]
    archive = f"{base}.tar.gz"
    with tarfile.open(Path(sdist_directory) / archive, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for path in files:
            if path.is_file():
                tar.add(path, arcname=f"{base}/{path.relative_to(ROOT).as_posix()}")
        info = ("Metadata-Version: 2.1\n" + _metadata().split("Metadata-Version: 2.1\n", 1)[1]).encode()
        entry = tarfile.TarInfo(f"{base}/PKG-INFO")
        entry.size = len(info)
        tar.addfile(entry, io.BytesIO(info))
    return archive

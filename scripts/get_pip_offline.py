"""Stand-in for ansible-test's downloaded get-pip bootstrap script (no internet for it here).

ansible-test sanity creates virtual environments and bootstraps pip in them by running a
``get-pip-<version>.py`` it downloads from ci-files.testing.ansible.com, which is not
reachable from these machines. This script does the same job from local parts: it installs
pip with ``ensurepip`` and then installs the requested packages (e.g. ``pip==24.2``) from
the package index. ``scripts/install-ansible-test-bootstrap.sh`` places it in
ansible-test's cache under the names ansible-test looks for.
"""
import subprocess
import sys


def main() -> int:
    args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
    if args:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--upgrade", "--force-reinstall"] + args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

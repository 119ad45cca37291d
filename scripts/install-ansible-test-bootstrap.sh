#!/usr/bin/env bash
# Put scripts/get_pip_offline.py where ansible-test expects its downloaded get-pip script
# (~/.ansible/test/cache/get_pip_<pip version>.py), for the pip version the installed
# ansible-test pins. Without it `ansible-test sanity` fails offline.
set -euo pipefail
python=${1:-.venv/bin/python}
here=$(cd "$(dirname "$0")" && pwd)
pip_version=$("$python" -c '
import re, pathlib, ansible_test
src = (pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py").read_text()
print(re.search(r"pip=.([0-9.]+).", src).group(1))')
cache=$HOME/.ansible/test/cache
mkdir -p "$cache"
install -m 0644 "$here/get_pip_offline.py" "$cache/get_pip_${pip_version//./_}.py"
echo "ansible-test pip ${pip_version} bootstrap: $cache/get_pip_${pip_version//./_}.py"

# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Start nova-compute with this repo's drivers in the ``nova.virt`` namespace.

Nova 34 loads ``compute_driver`` only as ``nova.virt.<value>``; this launcher
extends ``nova.virt.__path__`` and then runs Nova's own nova-compute main.
"""
import os
import sys


def main():
    from nova.cmd import compute  # monkey-patches first, as nova-compute does
    import nova.virt
    nova.virt.__path__.append(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), 'novavirt'))
    sys.exit(compute.main())


if __name__ == '__main__':
    main()

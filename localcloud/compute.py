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

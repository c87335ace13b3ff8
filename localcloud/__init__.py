"""The local hybrid cloud: real OpenStack and an EC2 endpoint on 127.0.0.1.

`python -m localcloud up|down|status|env` brings the stack up, takes it down,
reports on it and prints credentials.  Everything it writes lives in one
directory (``.cloud/`` in the checkout, or ``$BURST_CLOUD_DIR``).
"""

"""The rules both sides of cloud bursting use, with no dependency.

Nova's scheduler filter and EC2 driver (``burst_nova``) and the Horizon
plugin (``burst_dashboard``) are adapters over this package: the burst
policy (parse, validate, serialise, decide), the caps as Placement
inventories, the resource request of a flavor, the pools from
Placement's JSON, prices as plain values, the EC2 tags and the joined
inventory of Nova and EC2. Standard library only, no I/O: whatever the
clouds answered comes in as arguments.
"""

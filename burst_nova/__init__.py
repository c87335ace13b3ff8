"""Nova side of cloud bursting: EC2 virt driver, burst scheduler filter and
the pure policy module.  Runs inside Nova; never imports Django."""

"""Horizon plugin: cloud bursting from OpenStack to AWS EC2."""

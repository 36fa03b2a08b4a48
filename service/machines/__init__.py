"""Machines: 产权备案 (the property filing that registers a machine and gives it its 备案编号)."""

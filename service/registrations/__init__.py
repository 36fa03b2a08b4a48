"""使用登记: the construction (using) unit registers an installed machine for use on its project."""

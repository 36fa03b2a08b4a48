"""使用登记证: 制证 through the ministry, the certificate files, verification and the lifecycle."""

from .operations import init_app

__all__ = ["init_app"]

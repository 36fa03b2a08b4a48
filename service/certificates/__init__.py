"""使用登记证: 制证 through the ministry, the certificate files, verification and the lifecycle."""

"""安装告知: the installing unit (an owner account) notifies the bureau before erecting a machine."""

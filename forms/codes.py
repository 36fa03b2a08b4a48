"""Code tables of the domain (rules.md). Reference data, shared by validators, pages and seeding."""

from __future__ import annotations

#: Xinjiang prefecture-level divisions (GB/T 2260) — one bureau each by default.
REGIONS: dict[str, str] = {
    "650100": "乌鲁木齐市",
    "650200": "克拉玛依市",
    "650400": "吐鲁番市",
    "650500": "哈密市",
    "652300": "昌吉回族自治州",
    "652700": "博尔塔拉蒙古自治州",
    "652800": "巴音郭楞蒙古自治州",
    "652900": "阿克苏地区",
    "653000": "克孜勒苏柯尔克孜自治州",
    "653100": "喀什地区",
    "653200": "和田地区",
    "654000": "伊犁哈萨克自治州",
    "654200": "塔城地区",
    "654300": "阿勒泰地区",
    "659000": "自治区直辖县级行政单位",
}

UNIT_TYPES: dict[str, str] = {"owner": "产权单位", "construction": "施工单位"}

ORG_TYPES: dict[str, str] = {
    "owner": "产权单位",
    "construction": "施工单位",
    "installation": "安装单位",
    "supervision": "监理单位",
}

REVIEW_DECISIONS: dict[str, str] = {"approve": "通过", "return": "退回", "reject": "不予通过"}

#: Special-worker categories (national e-licence dictionary, rules.md).
WORKER_CATEGORIES: dict[str, str] = {
    "01": "建筑电工",
    "02": "建筑架子工（普通脚手架）",
    "03": "建筑架子工（附着升降脚手架）",
    "04": "建筑起重司索信号工",
    "05": "建筑起重机械司机（塔式起重机）",
    "06": "建筑起重机械司机（施工升降机）",
    "07": "建筑起重机械司机（物料提升机）",
    "08": "建筑起重机械安装拆卸工（塔式起重机）",
    "09": "建筑起重机械安装拆卸工（施工升降机）",
    "10": "建筑起重机械安装拆卸工（物料提升机）",
    "11": "高处作业吊篮安装拆卸工",
    "99": "其他",
}

#: Xinjiang's extent, for coordinate sanity checks (rules.md).
XINJIANG_LONGITUDE = (73.4, 96.5)
XINJIANG_LATITUDE = (34.3, 49.3)

MACHINE_CATEGORIES: dict[str, str] = {"T": "塔式起重机", "S": "施工升降机", "W": "物料提升机"}

#: 基本参数: which parameter codes each machine category gives — exactly these, no others (manual 1.3.1).
PARAMETER_CODES: dict[str, dict[str, str]] = {
    "T": {"1001": "塔式起重机起重臂长度（m）", "1002": "塔式起重机最大起重重量（t）",
          "1003": "塔式起重机拟安装最大高度（m）", "1004": "塔式起重机最大幅度起重重量（t）"},
    "S": {"1005": "施工升降机额定载重量（kg）", "1006": "施工升降机额定速度（m/min）"},
    "W": {"1007": "物料提升机额定载重量（kg）", "1008": "物料提升机额定速度（m/min）"},
}
ALL_PARAMETER_CODES: dict[str, str] = {
    code: label for codes in PARAMETER_CODES.values() for code, label in codes.items()}

#: 重点人员 职务代码 (必填人员职务及代码对照表): which codes each notice requires.
PERSONNEL_CODES: dict[str, str] = {
    "1103": "安装单位主要负责人",
    "1104": "安装单位技术负责人",
    "1105": "安装单位现场管理人员",
    "1106": "使用单位专职安全生产管理人员",
    "1107": "使用单位建筑起重机械管理人员",
    "1108": "建筑起重司索信号工",
    "1109": "建筑起重机械司机",
    "1110": "拆卸单位主要负责人",
    "1111": "拆卸单位技术负责人",
    "1112": "拆卸单位现场管理人员",
    "1113": "建筑起重机械安装拆卸工",
}

#: each notice's own codes: only these are offered in its rows (and its JSON schema's enum)
INSTALLATION_PERSONNEL_CODES = {c: PERSONNEL_CODES[c] for c in ("1103", "1104", "1105")}
USE_PERSONNEL_CODES = {c: PERSONNEL_CODES[c] for c in ("1106", "1107", "1108", "1109")}
DISMANTLING_PERSONNEL_CODES = {c: PERSONNEL_CODES[c] for c in ("1110", "1111", "1112", "1113")}

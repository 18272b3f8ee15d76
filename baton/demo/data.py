"""The demo company's fixed data: 味道连锁餐饮, its people, stores, equipment and typical faults.

Everything here is plain data so the builder stays readable and the demo is the same on every
machine. Names, phone numbers and serial numbers are invented.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "baton-demo"  # noqa: S105 - published on purpose: the demo's one shared password
ROOT_CODE = "WEIDAO"
COMPANY_NAME = "味道连锁餐饮"
SEED = 20261123


@dataclass(frozen=True)
class RegionData:
    key: str  # north / east / south: username suffix
    code: str  # Region.code and the region department's code
    name: str
    manager: tuple[str, str]  # (name, phone)
    dispatcher: tuple[str, str]
    technicians: tuple[tuple[str, str], ...]


REGIONS: tuple[RegionData, ...] = (
    RegionData(
        key="north",
        code="HB",
        name="华北区",
        manager=("赵强", "13801010001"),
        dispatcher=("马超", "13801010002"),
        technicians=(("张磊", "13801010011"), ("刘军", "13801010012"), ("杨帆", "13801010013")),
    ),
    RegionData(
        key="east",
        code="HD",
        name="华东区",
        manager=("孙丽", "13902120001"),
        dispatcher=("郑伟", "13902120002"),
        technicians=(("吴刚", "13902120011"), ("徐涛", "13902120012"), ("朱斌", "13902120013")),
    ),
    RegionData(
        key="south",
        code="HN",
        name="华南区",
        manager=("黄志明", "13602200001"),
        dispatcher=("林峰", "13602200002"),
        technicians=(("何勇", "13602200011"), ("罗健", "13602200012"), ("梁伟", "13602200013")),
    ),
)


@dataclass(frozen=True)
class CustomerData:
    code: str
    name: str
    level: str
    portal_user: str | None = None  # username of the customer-portal log-in
    portal_name: str = ""
    portal_phone: str = ""


CUSTOMERS: tuple[CustomerData, ...] = (
    CustomerData(
        code="WD-JW",
        name="京味餐饮管理有限公司",
        level="strategic",
        portal_user="customer_jw",
        portal_name="钱晓东",
        portal_phone="13911880001",
    ),
    CustomerData(code="WD-HX", name="沪鑫餐饮管理有限公司", level="vip"),
    CustomerData(code="WD-NY", name="南粤美食投资有限公司", level="normal"),
)


@dataclass(frozen=True)
class StoreData:
    code: str
    name: str
    region: str  # RegionData.key
    customer: str  # CustomerData.code
    address: str
    revenue_per_hour: int  # yuan per opening hour, for downtime loss
    manager: tuple[str, str]  # store manager (name, phone)


STORES: tuple[StoreData, ...] = (
    StoreData(
        "BJ01",
        "北京王府井店",
        "north",
        "WD-JW",
        "北京市东城区王府井大街 255 号 B1 层",
        3600,
        ("陈静", "13520010101"),
    ),
    StoreData(
        "BJ02",
        "北京三里屯店",
        "north",
        "WD-JW",
        "北京市朝阳区三里屯路 19 号 3 层",
        3200,
        ("王磊", "13520010102"),
    ),
    StoreData(
        "BJ03",
        "北京中关村店",
        "north",
        "WD-JW",
        "北京市海淀区中关村大街 15 号 2 层",
        2800,
        ("李婷", "13520010103"),
    ),
    StoreData(
        "BJ04",
        "北京望京店",
        "north",
        "WD-JW",
        "北京市朝阳区望京街 9 号 1 层",
        2400,
        ("刘洋洋", "13520010104"),
    ),
    StoreData(
        "BJ05",
        "北京西单店",
        "north",
        "WD-JW",
        "北京市西城区西单北大街 131 号 4 层",
        3000,
        ("张敏", "13520010105"),
    ),
    StoreData(
        "TJ01",
        "天津滨江道店",
        "north",
        "WD-JW",
        "天津市和平区滨江道 208 号 2 层",
        2200,
        ("赵雪", "13520010106"),
    ),
    StoreData(
        "TJ02",
        "天津大悦城店",
        "north",
        "WD-JW",
        "天津市南开区南门外大街 2 号 B1 层",
        2000,
        ("孙浩", "13520010107"),
    ),
    StoreData(
        "SJZ01",
        "石家庄万象城店",
        "north",
        "WD-JW",
        "石家庄市长安区中山东路 39 号 3 层",
        1600,
        ("周鹏", "13520010108"),
    ),
    StoreData(
        "SH01",
        "上海南京东路店",
        "east",
        "WD-HX",
        "上海市黄浦区南京东路 800 号 2 层",
        3800,
        ("吴倩", "13651020201"),
    ),
    StoreData(
        "SH02",
        "上海徐家汇店",
        "east",
        "WD-HX",
        "上海市徐汇区虹桥路 1 号 B1 层",
        3400,
        ("郑凯", "13651020202"),
    ),
    StoreData(
        "SH03",
        "上海陆家嘴店",
        "east",
        "WD-HX",
        "上海市浦东新区陆家嘴环路 1000 号 3 层",
        3500,
        ("冯雅", "13651020203"),
    ),
    StoreData(
        "SH04",
        "上海五角场店",
        "east",
        "WD-HX",
        "上海市杨浦区邯郸路 600 号 1 层",
        2600,
        ("蒋涛", "13651020204"),
    ),
    StoreData(
        "HZ01", "杭州西湖店", "east", "WD-HX", "杭州市上城区延安路 98 号 2 层", 2900, ("沈佳", "13651020205")
    ),
    StoreData(
        "HZ02",
        "杭州滨江店",
        "east",
        "WD-JW",
        "杭州市滨江区江南大道 228 号 1 层",
        2100,
        ("韩冬", "13651020206"),
    ),
    StoreData(
        "NJ01",
        "南京新街口店",
        "east",
        "WD-HX",
        "南京市秦淮区中山南路 1 号 B1 层",
        2700,
        ("曹颖", "13651020207"),
    ),
    StoreData(
        "SUZ01",
        "苏州观前街店",
        "east",
        "WD-HX",
        "苏州市姑苏区观前街 245 号 2 层",
        2300,
        ("许晨", "13651020208"),
    ),
    StoreData(
        "GZ01",
        "广州天河城店",
        "south",
        "WD-NY",
        "广州市天河区天河路 208 号 4 层",
        3300,
        ("邓丽", "13725030301"),
    ),
    StoreData(
        "GZ02",
        "广州北京路店",
        "south",
        "WD-NY",
        "广州市越秀区北京路 183 号 2 层",
        2900,
        ("彭亮", "13725030302"),
    ),
    StoreData(
        "GZ03",
        "广州珠江新城店",
        "south",
        "WD-NY",
        "广州市天河区珠江西路 5 号 1 层",
        3100,
        ("谢芳", "13725030303"),
    ),
    StoreData(
        "SZ01",
        "深圳华强北店",
        "south",
        "WD-NY",
        "深圳市福田区华强北路 1019 号 2 层",
        2800,
        ("唐斌", "13725030304"),
    ),
    StoreData(
        "SZ02",
        "深圳海岸城店",
        "south",
        "WD-NY",
        "深圳市南山区文心五路 33 号 3 层",
        3000,
        ("袁媛", "13725030305"),
    ),
    StoreData(
        "SZ03",
        "深圳福田 COCO Park 店",
        "south",
        "WD-HX",
        "深圳市福田区福华三路 268 号 B1 层",
        2700,
        ("蔡军", "13725030306"),
    ),
    StoreData(
        "FS01", "佛山祖庙店", "south", "WD-NY", "佛山市禅城区祖庙路 33 号 1 层", 1800, ("潘晓", "13725030307")
    ),
    StoreData(
        "DG01",
        "东莞东城店",
        "south",
        "WD-NY",
        "东莞市东城区东城中路 208 号 2 层",
        1700,
        ("戴伟", "13725030308"),
    ),
)


@dataclass(frozen=True)
class EquipmentData:
    suffix: str  # asset code suffix after the store code
    name: str
    category: str
    models: tuple[tuple[str, str], ...]  # (model, serial prefix): one is picked per store
    warranty_years: int


EQUIPMENT: tuple[EquipmentData, ...] = (
    EquipmentData("FRY1", "1 号炸炉", "fryer", (("Frymaster H55", "FM"), ("Pitco SSH55", "PT")), 2),
    EquipmentData("FRY2", "2 号炸炉", "fryer", (("Frymaster H55", "FM"), ("华菱 HGF-17A", "HL")), 2),
    EquipmentData("FRZ1", "立式冷冻柜", "freezer", (("海尔 SL-1020C2W", "HR"), ("True T-49F", "TR")), 3),
    EquipmentData("FRZ2", "卧式冷藏柜", "freezer", (("星星 BD/BC-290", "XX"), ("澳柯玛 SC-329", "AK")), 3),
    EquipmentData(
        "ICE1", "制冰机", "ice_maker", (("Hoshizaki KM-515MAJ", "HS"), ("Scotsman MC0530", "SC")), 2
    ),
    EquipmentData(
        "AC1", "前厅空调", "air_conditioner", (("格力 RF12WQ/NaA", "GL"), ("美的 MDV-280W", "MD")), 3
    ),
    EquipmentData(
        "AC2", "后厨空调", "air_conditioner", (("格力 KFR-72LW", "GL"), ("大金 FVXG172NC", "DK")), 3
    ),
    EquipmentData("POS1", "收银 POS 1", "pos", (("商米 T2s", "SM"),), 2),
    EquipmentData("POS2", "收银 POS 2", "pos", (("商米 D3 Pro", "SM"), ("商米 T2s", "SM")), 2),
)


@dataclass(frozen=True)
class Fault:
    title: str
    fault_category: str
    description: str
    resolution: str
    priority_weights: tuple[int, int, int, int]  # low, normal, high, urgent


FAULTS: dict[str, tuple[Fault, ...]] = {
    "fryer": (
        Fault(
            "{asset}油温升不上去",
            "no_power",
            "设定 175℃，午高峰时油温只能到 150℃ 左右，炸鸡出品慢，已临时改用另一台炸炉。",
            "更换温控探头并校准温控器，油温 8 分钟升至 175℃，试炸 3 锅正常。",
            (0, 4, 5, 1),
        ),
        Fault(
            "{asset}漏油",
            "leak",
            "炸炉底部放油阀附近渗油，地面有油迹，担心员工滑倒。",
            "更换放油阀密封圈，清理油槽，观察 30 分钟无渗漏。",
            (0, 3, 6, 1),
        ),
        Fault(
            "{asset}显示报错 E-41，无法加热",
            "down",
            "开机后控制面板显示 E-41，按复位键无效，炸炉完全不能用。",
            "高温保护器跳闸，更换高温保护器并检查加热管绝缘，恢复正常。",
            (0, 1, 5, 4),
        ),
        Fault(
            "{asset}不通电",
            "no_power",
            "早上开店按开关没有任何反应，同一插座其他设备正常。",
            "接线端子烧蚀，更换端子和电源线，通电测试正常。",
            (0, 2, 5, 3),
        ),
    ),
    "freezer": (
        Fault(
            "{asset}不制冷，箱温 -5℃",
            "not_cooling",
            "早上开店发现箱温只有 -5℃（正常 -18℃），里面有冷冻鸡块约 40 公斤，已转移部分到另一台冷柜。",
            "冷凝器积灰严重，清洗冷凝器并补充 R404A 冷媒 0.4kg，2 小时后箱温降至 -18℃。",
            (0, 1, 5, 4),
        ),
        Fault(
            "{asset}压缩机异响",
            "noise",
            "压缩机启动时有很大的咔咔声，运行中也有嗡嗡异响。",
            "压缩机减震脚垫老化，更换脚垫并紧固底座，异响消除。",
            (1, 6, 3, 0),
        ),
        Fault(
            "{asset}门封条破损，结霜严重",
            "other",
            "门封条右下角破了，柜内结霜很厚，门关不严。",
            "更换整条门封条，手动化霜后重新开机，门缝贴合良好。",
            (2, 6, 2, 0),
        ),
        Fault(
            "{asset}漏水",
            "leak",
            "柜子下方一直有积水，擦干后半小时又有。",
            "排水管堵塞，疏通排水管并清洗接水盘，观察 1 小时无积水。",
            (1, 6, 3, 0),
        ),
    ),
    "ice_maker": (
        Fault(
            "{asset}不出冰",
            "down",
            "制冰机运转有声音但一直不出冰，饮品做不了加冰。",
            "进水电磁阀卡滞，清洗滤网并更换进水阀，30 分钟后正常出冰。",
            (0, 3, 5, 2),
        ),
        Fault(
            "{asset}冰块发软、量少",
            "not_cooling",
            "这两天冰块很软，出冰量只有平时一半。",
            "清洗冷凝器并除垢，调整制冰周期，出冰量恢复。",
            (1, 6, 3, 0),
        ),
        Fault(
            "{asset}漏水",
            "leak",
            "制冰机下面一直漏水，地面湿滑。",
            "储冰箱排水口接头松脱，重新安装并加固，无渗漏。",
            (1, 5, 4, 0),
        ),
    ),
    "air_conditioner": (
        Fault(
            "{asset}不制冷",
            "not_cooling",
            "空调开着但出风是热的，后厨温度已经 35℃ 以上，员工很难受。",
            "室外机风扇电容损坏，更换电容，出风温度降至 14℃。",
            (0, 3, 5, 2),
        ),
        Fault(
            "{asset}滴水",
            "leak",
            "室内机出风口往下滴水，正好滴在顾客座位上方。",
            "冷凝水管坡度不够且积泥，重新调整并疏通，不再滴水。",
            (1, 6, 3, 0),
        ),
        Fault(
            "{asset}外机异响",
            "noise",
            "室外机有很大的金属摩擦声，商场物业已经来投诉。",
            "风扇叶松动刮擦防护网，紧固扇叶并加装减震垫，异响消除。",
            (1, 6, 3, 0),
        ),
        Fault(
            "{asset}开不了机",
            "no_power",
            "遥控器和线控器都开不了机，线控器屏幕不亮。",
            "线控器损坏，更换线控器后开机正常。",
            (0, 5, 4, 1),
        ),
    ),
    "pos": (
        Fault(
            "{asset}死机，无法结账",
            "software",
            "收银时屏幕卡住不动，重启后几分钟又死机，顾客在排队。",
            "系统缓存异常，升级收银系统至最新版本并清理缓存，连续收银 1 小时无死机。",
            (0, 1, 4, 5),
        ),
        Fault(
            "{asset}不出小票",
            "down",
            "打印机指示灯闪红灯，小票打不出来。",
            "打印头积纸屑，清洁打印头并更换切刀，打印正常。",
            (0, 5, 4, 1),
        ),
        Fault(
            "{asset}扫码支付失败",
            "software",
            "顾客扫码付款一直提示网络异常，现金和刷卡正常。",
            "门店路由器 DNS 配置错误，修正网络配置，扫码支付恢复。",
            (0, 2, 5, 3),
        ),
        Fault(
            "{asset}触摸屏失灵",
            "other",
            "屏幕右半边点不动，只能用左半边操作。",
            "更换触摸屏排线并校准，触控正常。",
            (1, 6, 3, 0),
        ),
    ),
}

RETURN_REASONS: tuple[str, ...] = (
    "该设备仍在保修期内，需要厂家工程师上门，请改派厂家售后。",
    "现场检查是门店电路问题，需要电工处理，不属于设备维修。",
    "需要专用配件，本人无库存，请改派有配件的同事。",
    "今天在外区支援，两小时内赶不到，请改派附近的工程师。",
)
REJECT_REASONS: tuple[str, ...] = (
    "修完不到两小时又出现同样的问题。",
    "问题没有完全解决，还是有异响。",
    "现场没有清理干净，设备周边还有油污。",
    "温度还是达不到要求，请再来看一下。",
)
REASSIGN_REASONS: tuple[str, ...] = (
    "原工程师临时请假，改派同组同事。",
    "就近安排：该工程师正在附近门店。",
    "原工程师手上紧急工单较多，平衡工作量。",
)
RATING_COMMENTS: dict[int, tuple[str, ...]] = {
    5: ("响应很快，师傅很专业。", "修得很彻底，谢谢！", ""),
    4: ("修好了，就是到店稍晚。", "整体满意。", ""),
    3: ("修好了，但等的时间有点长。", "第二次来才修好。", ""),
    2: ("拖了太久，影响营业。",),
    1: ("多次催促才来，非常不满意。",),
}
STORE_COMMENTS: tuple[str, ...] = (
    "麻烦尽快，午高峰要用。",
    "晚上 9 点后客人少，可以那时候来。",
    "设备在后厨，到店请找值班经理。",
)
TECH_COMMENTS: tuple[str, ...] = (
    "已到店，正在检查。",
    "配件已下单，预计明天上午到货。",
    "已远程指导门店先断电重启，下午到店处理。",
)
INTERNAL_NOTES: tuple[str, ...] = (
    "VIP 客户门店，优先处理。",
    "该门店本月同类故障第二次，请注意排查根因。",
    "注意：设备已过保，更换配件需报价。",
)


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    role_zh: str
    try_this: str


def logins() -> list[Login]:
    """The log-ins printed at the end of ``baton demo`` (all share DEMO_PASSWORD)."""
    return [
        Login("admin", "admin", "系统管理员", "全部工单、/admin/、流程与组织配置"),
        Login("director", "manager", "运营总监", "全公司看板与绩效，三个区的工单都能看"),
        Login("agent1", "agent", "客服", "接电话代门店报修（新建工单），跟进催单"),
        Login("dispatcher_north", "dispatcher", "华北区派工主管", "待办里有待派工单：派给工程师、转派"),
        Login("tech_north1", "technician", "华北区维修工程师", "接单、填写维修结果、退回（需理由）"),
        Login("store_bj01", "requester", "门店店长（北京王府井店）", "手机报修、验收并评分、驳回"),
        Login("manager_north", "manager", "华北区经理", "本区工单与超时、工程师绩效"),
        Login("approver", "approver", "财务审批", "审批超额维修费用"),
        Login("customer_jw", "customer", "加盟商客户门户（京味餐饮）", "只看到自己公司门店的工单"),
        Login("tech_east1", "technician", "华东区维修工程师", "看不到华北区的工单（权限隔离）"),
    ]

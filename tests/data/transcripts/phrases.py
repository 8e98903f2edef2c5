"""Phrase banks for the labeled transcript set: what callers and agents of a property hotline
say, in the recogniser's style (words separated by spaces, numbers as Chinese numerals).

Each matter is (category, secondary categories, urgent, caller's words). Emergencies (R19) stand
beside look-alikes that are not emergencies (a planned outage, one flat without power, a dripping
tap, cigarette smoke from a neighbour)."""

from __future__ import annotations

import random

Matter = tuple[str, list[str], bool, str]

REPAIRS: list[Matter] = [
    ("repair", [], False, "我 家 卫生间 的 水龙头 一直 滴水 关 不 紧 晚上 滴答 滴答 的 睡 不 着"),
    ("repair", [], False, "厨房 的 下水道 堵 了 洗 碗 的 水 半天 下 不 去"),
    ("repair", [], False, "客厅 的 吸顶灯 不 亮 了 开关 按 了 没 反应 灯泡 也 换 过 了"),
    ("repair", [], False, "单元 门口 的 门禁 刷 卡 刷 不 开 每次 都 要 等 别人 开门"),
    ("repair", [], False, "我们 那 层 楼道 的 感应 灯 坏 了 晚上 黑 乎 乎 的 老人 走 路 不 方便"),
    ("repair", [], False, "阳台 的 推拉 窗 关 不 上 了 好像 是 滑轮 掉 了"),
    ("repair", [], False, "卫生间 吊顶 在 渗水 一块 一块 黄 的 应该 是 楼上 漏 下来 的"),
    ("repair", [], False, "家 里 跳闸 了 一 合上 闸 就 又 跳 下来 现在 整个 屋 都 没 电"),
    ("repair", [], False, "就 我 一家 没 电 了 邻居 家 都 有 电 电卡 里 也 还 有 钱"),
    ("repair", [], False, "马桶 水箱 一直 在 哗啦啦 地 流水 停 不 下来 水费 都 要 涨 了"),
    ("repair", [], False, "卫生间 地漏 往 上 返 臭味 熏 得 人 头疼"),
    ("repair", [], False, "卧室 墙面 有 一 道 裂缝 还 一直 掉 墙皮"),
    ("repair", [], False, "可视 对讲 门铃 没 声音 了 快递 按 门铃 我 都 听 不 见"),
    ("repair", [], False, "电梯 最近 有 点 异响 上下 的 时候 晃 得 厉害 你们 派 人 看 一下"),
    ("repair", [], False, "入户 门 的 锁 坏 了 钥匙 插 进去 拧 不 动"),
    ("repair", [], False, "厨房 水池 下面 的 软管 有 点 渗水 地上 湿 了 一小 片"),
    ("repair", [], False, "暖气 片 不 热 别人 家 都 挺 热 的 就 我 家 是 凉 的"),
    ("repair", [], False, "楼顶 的 防水 好像 坏 了 一 下雨 顶楼 天花板 就 往 下 滴水"),
]
EMERGENCIES: list[Matter] = [
    ("repair", [], True, "厨房 里 有 很 重 的 燃气 味 我 怀疑 是 哪里 漏气 了"),
    ("repair", [], True, "我们 楼道 里 一股 煤气 味 特别 冲 不 知道 是 谁 家 的"),
    ("repair", [], True, "楼下 的 配电箱 在 冒烟 还 有 一股 焦味"),
    ("repair", [], True, "隔壁 阳台 着火 了 火 还 挺 大 的 你们 快 来 人"),
    ("repair", [], True, "地下 车库 有 一 辆 电动车 在 充电 的 时候 冒烟 了 烟 很 大"),
    ("repair", [], True, "楼上 水管 爆 了 水 哗哗 地 往 我 家 天花板 流"),
    ("repair", [], True, "地下室 的 水管 在 喷水 已经 淹 到 脚 脖子 了"),
    ("repair", [], True, "消防 水管 爆裂 了 水 顺 着 楼梯 往下 淌 都 流 进 电梯 了"),
    ("repair", [], True, "电梯 坏 了 我 老公 被 困 在 电梯 里 面 了 按 警铃 没 人 应"),
    ("repair", [], True, "电梯 卡 在 两 层 中间 不 动 了 里面 关 着 两 个 人 出 不 来"),
    ("repair", [], True, "我 家 插座 一直 冒 火花 还 有 滋滋 的 声音 我 不敢 碰"),
    ("repair", [], True, "楼道 的 电表箱 里 在 打火 噼里啪啦 的 还 有 烧焦 的 味道"),
    ("repair", [], True, "我 闻到 家 里 有 天然气 的 味道 燃气 报警器 也 在 响"),
]
COMPLAINTS: list[Matter] = [
    ("complaint", [], False, "我 要 投诉 楼上 每天 晚上 十二 点 还 在 拖 椅子 蹦 跳 吵 得 我 们 睡 不 着"),
    ("complaint", [], False, "隔壁 装修 早上 七 点 就 开始 用 电钻 周末 也 不 停 太 吵 了 你们 管 不 管"),
    ("complaint", [], False, "又 有 人 把 车 停 在 消防 通道 上 我 的 车 出 不 去 这 都 第三 次 了"),
    ("complaint", [], False, "小区 里 有 人 遛狗 不 拴 绳 今天 把 我 孩子 吓 哭 了 你们 也 不 管"),
    ("complaint", [], False, "我们 单元 门口 的 垃圾 桶 好几 天 没 人 清 臭 死 了 苍蝇 到处 飞"),
    ("complaint", [], False, "我 投诉 一下 你们 东门 那个 保安 态度 太 差 了 说话 特别 凶"),
    ("complaint", ["repair"], False, "上 周 报 的 修 到 现在 还 没 人 来 打 了 好几 次 电话 了 我 要 投诉"),
    ("complaint", [], False, "楼下 有 人 天天 在 楼道 里 抽烟 烟味 全 飘 到 我 家 里 来 了"),
    ("complaint", [], False, "过年 这 几 天 小区 里 半夜 还 有 人 放 烟花 炮 声 吵 得 老人 心脏 受 不 了"),
    ("complaint", [], False, "绿化 带 里 好多 狗 屎 没 人 清理 小孩 都 没 法 在 那 玩"),
    ("complaint", [], False, "我 要 投诉 你们 的 维修 师傅 收 了 钱 活 没 干 好 第二 天 又 漏 了"),
]
INQUIRIES: list[Matter] = [
    ("inquiry", [], False, "我 想 问 一下 小区 的 游泳池 今年 什么 时候 开放"),
    ("inquiry", [], False, "请问 办 门禁 卡 需要 带 什么 材料 在 哪里 办"),
    ("inquiry", [], False, "我 家 准备 装修 想 咨询 一下 要 办 什么 手续"),
    ("inquiry", [], False, "我 看到 电梯 里 贴 的 通知 说 明天 要 停电 检修 是 几 点 到 几 点"),
    ("inquiry", [], False, "想 问 一下 今天 停水 几 点 能 恢复"),
    ("inquiry", [], False, "请问 小区 里 可以 养 大型 犬 吗 要 不 要 登记"),
    ("inquiry", [], False, "燃气 公司 说 下 周 要 入户 安检 是 真 的 吗 要 不 要 在 家 等"),
    ("inquiry", [], False, "我 想 打听 一下 地下 车位 还 有 没 有 出租 的"),
    ("inquiry", [], False, "问 一下 业主 大会 什么 时候 开 在 哪里 开"),
    ("inquiry", [], False, "请问 快递 柜 放 在 哪 一 个 门 了 我 找 了 半天 没 找 到"),
]
SUGGESTIONS: list[Matter] = [
    ("suggestion", [], False, "提 个 建议 儿童 乐园 那边 能 不 能 加 几 个 座椅 老人 带 孩子 没 地方 坐"),
    ("suggestion", [], False, "我 有 个 建议 小区 门口 能 不 能 装 几 组 快递 柜"),
    ("suggestion", [], False,
     "我 觉得 晚上 的 路灯 能 不 能 开 得 久 一点 十 点 就 关 了 太 早 了 希望 你们 考虑 一下"),
    ("suggestion", [], False, "给 你们 提 个 意见 垃圾 分类 的 桶 能 不 能 多 放 几 组 每次 都 满 的"),
    ("suggestion", [], False, "建议 你们 在 地库 入口 加 个 减速带 车 开 得 太 快 了"),
    ("suggestion", [], False, "我 建议 在 东门 那边 装 个 充电 桩 电动车 越来越 多 了"),
]
PRAISES: list[Matter] = [
    ("praise", [], False, "我 打 电话 是 想 表扬 一下 你们 维修 的 张 师傅 干活 特别 细 还 把 地 给 拖 了"),
    ("praise", [], False, "想 表扬 一下 保安 小 刘 昨天 我 钱包 掉 在 门口 是 他 捡到 送 回来 的"),
    ("praise", [], False, "你们 的 管家 小 陈 服务 特别 好 我 想 给 她 送 面 锦旗 表扬 一下"),
    ("praise", [], False, "表扬 一下 你们 保洁 阿姨 楼道 每天 都 擦 得 干干净净 的"),
    ("praise", [], False, "我 要 给 你们 点赞 上次 水管 的 事 你们 半夜 都 来 了 太 负责 了"),
]
BILLINGS: list[Matter] = [
    ("billing", [], False, "我 想 问 一下 物业费 可以 在 手机 上 交 吗"),
    ("billing", [], False, "我 的 物业费 是 银行 代扣 的 这 个 月 收到 短信 说 扣款 失败"),
    ("billing", [], False, "我 交 了 物业费 想 开 张 发票 公司 要 报销"),
    ("billing", [], False, "地库 的 停车费 月卡 到期 了 怎么 续费"),
    ("billing", [], False, "这 个 月 的 水费 怎么 这么 多 比 上 个 月 多 了 一 倍"),
    ("billing", [], False, "物业费 晚 交 了 几 天 就 收 滞纳金 这 个 滞纳金 怎么 算 的"),
    ("billing", [], False, "我 之前 预存 的 物业费 多 交 了 一 个 季度 能 不 能 退费"),
]
RELEASES: list[Matter] = [
    ("release", [], False, "我 今天 搬家 东西 都 装 车 了 门岗 说 要 放行 条"),
    ("release", [], False, "我 要 搬 几 件 旧 家具 出去 保安 不 让 走 说 要 开 放行 条"),
    ("release", [], False, "我 是 租户 退租 了 要 搬 东西 出 小区 怎么 开 放行 条"),
    ("release", [], False, "装修 完 了 要 把 剩下 的 材料 运 出去 需要 办 什么 出门 手续"),
]
OTHERS: list[Matter] = [
    ("other", [], False, "喂 是 城 南 派出所 吗 我 想 问 一下 办 身份证 的 事"),
    ("other", [], False, "是 不 是 建设 银行 我 卡 被 吞 了"),
    ("other", [], False, "你好 外卖 到 了 你 下来 拿 一下"),
    ("other", [], False, "喂 是 幸福 家政 公司 吗 我 约 的 保洁 怎么 还 没 来"),
    ("other", [], False, "喂 是 第一 人民 医院 吗 我 想 挂 个 号"),
]

GIVEN_NAMES = ["丽萍", "志伟", "秀英", "建国", "晓东", "佳琪", "海燕", "国强", "桂兰", "明", "婷", "伟",
               "子涵",
               "文静", "红梅", "建华", "俊杰", "雪", "淑芬", "德胜", "玉兰", "浩然", "春燕", "立新"]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
            "何",
            "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田",
            "董",
            "潘", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "沈", "姚", "卢", "崔", "谭",
            "陆",
            "范", "金", "石", "廖", "夏", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "侯", "龚", "欧阳"]
CENTRES = ["康泰", "云栖 苑", "锦绣 华庭", "阳光 花园", "翠湖 湾", "金地 名苑"]


# --- the agent's side ------------------------------------------------------------------------

FORBIDDEN_LINES = [
    ("不知道", "这 个 我 也 不 知道 啊 您 问问 别人 吧"),
    ("不知道", "具体 什么 时候 弄 好 我 不 知道"),
    ("不清楚", "这 个 情况 我 不 清楚"),
    ("我们不管", "这 个 我们 不 管 的 您 去 找 社区"),
    ("跟我们没关系", "那 是 供电局 的 事 跟 我们 没 关系"),
    ("没办法解决", "这 个 问题 我们 也 没 办法 解决"),
    ("随便", "那 随便 你 吧"),
    ("你是谁", "你 是 谁 啊 哪 一 户 的"),
    ("我现在很忙", "我 现在 很 忙 您 下次 再 打 电话 好 吗"),
    ("这个问题我不会处理", "这 个 问题 我 不 会 处理 您 明天 再 打 吧"),
]
HELDOUT_FORBIDDEN = [
    ("不清楚", "我 刚 来 的 不 太 清楚"),
    ("我们不管", "楼上 楼下 的 矛盾 我们 不 管"),
]
# Polite or neutral phrases that look like forbidden ones but are not (R16 precision).
LOOKALIKES = [
    "不知道 您 明天 上午 方便 吗",
    "信号 不 好 我 听 不 清楚 麻烦 您 再 说 一 遍",
    "您 有 事 随时 打 这个 电话",
    "请问 您 找 哪 位 同事 我 帮 您 转",
    "这 件 事 我们 一定 管 到底",
]
GOOD_GREETINGS = [
    "您好 {centre} 物业 服务 中心 工号 {agent} 很 高兴 为 您 服务",
    "您好 {centre} 物业 服务 中心 {agent} 号 为 您 服务",
    "您好 这里 是 {centre} 物业 客服 中心 工号 {agent} 请问 有 什么 可以 帮 您",
    "你好 {centre} 物业 服务 中心 请问 有 什么 可以 帮 您",
]
BAD_GREETINGS = [("喂 你好", []), ("喂 哪位", ["喂哪位"]), ("你好 请 讲", []), ("嗯 你好 说 吧", []),
                 ("喂 哪位 啊", ["喂哪位"])]
APOLOGIES = ["对不起 让 您 久 等 了", "不好意思 让 您 久 等 了", "抱歉 让 您 久 等 了"]
CLOSINGS = ["感谢 您 的 来电 再见", "好 的 不 客气 再见", "那 就 这样 再见",
            "感谢 您 的 来电 祝 您 生活 愉快 再见",
            "有 问题 随时 联系 我们 再见"]
NO_CLOSINGS = ["好 的", "嗯 那 您 先 等 一下", "行 我们 尽快 处理", "好 我 记 下 了"]
REPAIR_TIMES = [
    ("明天 上午", "明天上午"), ("明天 下午 三 点", "明天下午三点"), ("后天 晚上 七 点 半", "后天晚上七点半"),
    ("周六 上午 十 点", "周六上午十点"), ("今天 下午 四 点 以后", "今天下午四点以后"),
    ("星期天 上午 九 点 到 十一 点", "星期天上午九点到十一点"), ("下周一 上午", "下周一上午"),
    ("明天 中午 十二 点", "明天中午十二点"), ("今天 晚上 六 点 以后", "今天晚上六点以后"),
    ("周三 下午 两 点", "周三下午两点"), ("后天 上午 九 点", "后天上午九点"),
]

AGENT_REPLIES = {
    "repair": ["好 的 我 记录 一下 马上 给 您 安排 维修 师傅", "您 先 别 着急 我 这边 给 您 派 单"],
    "complaint": ["非常 抱歉 给 您 带来 不便 我们 马上 安排 人 去 处理 四十八 小时 内 给 您 回复",
                  "您 反映 的 情况 我 记 下 了 会 交 给 主管 跟进 处理 结果 给 您 回电"],
    "inquiry": ["您好 这 个 我 帮 您 查 一下 稍 等", "是 的 可以 的 具体 您 到 前台 办理 就 行 带 上 身份证"],
    "suggestion": ["谢谢 您 的 建议 我 会 反馈 给 项目 经理 研究 一下", "您 的 建议 很 好 我们 会 提交 上去"],
    "praise": ["谢谢 您 的 表扬 我们 一定 转达 给 他 也 会 上报 公司", "太 感谢 您 了 我们 会 转告 同事 的"],
    "billing": ["您 可以 在 公众号 的 我 的 缴费 里 交 也 可以 到 前台 交",
                "这 个 我 帮 您 查 一下 账单 稍 等"],
    "release": ["搬 出 大件 物品 需要 业主 签字 确认 您 到 前台 来 开 放行 条 就 行",
                "好 的 我们 先 联系 业主 确认 一下 确认 了 就 给 您 开 放行 条"],
}
GAS_ADVICE = "请 您 马上 关闭 燃气 阀门 打开 窗户 不要 开关 电器 人 先 到 门外 去"
EMERGENCY_ADVICE = [
    "请 您 先 离开 现场 注意 安全 我 马上 通知 工程部 和 安保 过去",
    "好 的 我 马上 通知 工程 人员 和 维保 单位 赶 过去 请 您 不要 靠近",
]
OPENERS = ["喂 你好", "你好", "喂", "哎 你好", "嗯 你好", "你好 是 物业 吗", ""]
TITLE_BY_GENDER = {"m": "先生", "f": "女士"}


def pick_name(rng: random.Random) -> tuple[str, str, str, str]:
    """(mode, surname, given, title): mode full | titled | surname | none."""
    mode = rng.choices(["full", "titled", "surname", "none"], [40, 20, 25, 15])[0]
    surname = rng.choice(SURNAMES)
    return mode, surname, rng.choice(GIVEN_NAMES), TITLE_BY_GENDER[rng.choice("mf")]


def name_words(mode: str, surname: str, given: str, title: str, rng: random.Random) -> str:
    if mode == "full":
        return rng.choice([f"我 叫 {surname} {given}", f"我 是 {surname} {given}", f"我 叫 {surname}{given}"])
    if mode == "titled":
        return f"我 是 {surname} {title}"
    if mode == "surname":
        return rng.choice([f"我 姓 {surname}", f"免贵 姓 {surname}"])
    return ""


def name_label(mode: str, surname: str, given: str, title: str) -> str | None:
    return {"full": surname + given, "titled": surname + title, "surname": surname + title}.get(mode)

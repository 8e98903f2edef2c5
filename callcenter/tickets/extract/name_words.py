"""R4: the words a caller's name is made of: surnames (those that are also everyday words only
before a title), the titles callers and agents use, and the characters a given name has (not the
words that follow a name, nor numerals). name.py and its name_*.py parts read names with them."""

from __future__ import annotations

SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄"
    "窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池"
    "查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆"
    "傅洪赖萧邰邸"
    # rarer surnames of the Hundred Family Surnames that are no everyday word
    "酆廉湛禹狄昝裘贲钮嵇荀芮羿汲邴糜隗宓郗钭戎韶蓟鄂莘逄郦雍璩濮扈郏阎庾暨衡阙殳蔚夔厍晁訾竺逯祖茅宣杭"
)
# Surnames that are also everyday words, safe only before a title (凤女士, 贝先生); 那, 后, 都 … stay
# out, since an agent's 那 先生 您 … is "then".
# Also 我姓 … (OWN_SURNAME): the Korean 朴, the Hui 哈 and 纳 of the north-west.
# And the rest of the Hundred Family Surnames, with those of the south-west's peoples (the Yi 普 and 者,
# the Dai 刀, 岩 and 罕 of Yunnan, 陇 and 沐) and the north's 仉, 鲜 and 揭.
TITLED_ONLY = set("凤昌贝伏危支松富弓牧秋幸薄印苍贡扶宰寿慕茹宦戈弘禄沃隆勾融丰巢拓朴哈纳"
                  "普者刀岩罕玉陇沐鲜揭仉靖银伞眭计滑羊蓬仰暴束宿怀索咸籍阴堵浦充习蒯桓诸於")
ALL_SURNAMES = SURNAMES | TITLED_ONLY
# Surnames that are also everyday words a caller says after 我是 (楼上, 南门, 和平…) are left out.
SURNAMES -= set("楼路海花豆位满盘原南时和区全应边明成车项连简古吉司游曲谷党宫费冷席米单毕解屈房强乐")
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "慕容", "尉迟", "令狐", "夏侯",
                     "司徒", "司空", "端木", "公孙", "宇文", "长孙", "呼延", "钟离", "闻人", "澹台", "轩辕",
                     "申屠", "万俟", "公冶", "宗政", "濮阳", "淳于", "太史", "独孤", "拓跋")
# 师傅 is left out: callers praise or blame workers (张师傅) by that title.
TITLES = {"先生": "先生", "女士": "女士", "小姐": "女士", "太太": "女士"}
# How agents address callers they know (邓阿姨); read on the agent's side only.
AGENT_TITLES = {"阿姨": "女士", "大姐": "女士", "大妈": "女士", "奶奶": "女士", "阿婆": "女士",
                "婆婆": "女士", "嬢嬢": "女士", "孃孃": "女士",
                "叔叔": "先生", "大爷": "先生", "大哥": "先生", "爷爷": "先生", "伯伯": "先生",
                "阿伯": "先生", "阿叔": "先生", "爷叔": "先生",
                # elders in regional words: Hubei 爹爹, Hunan 嗲嗲, the north's 大娘 and 大婶
                "爹爹": "先生", "嗲嗲": "先生", "老爷子": "先生", "大伯": "先生", "老伯": "先生",
                "大叔": "先生", "大娘": "女士", "大婶": "女士", "婶婶": "女士", "姥姥": "女士"}
SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + "|[" + "".join(sorted(SURNAMES)) + "])"
TITLE = "(?:" + "|".join(TITLES) + ")"
# Before a title (简女士, 单先生) every surname is safe, also those that are everyday words.
ANY_SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + "|[" + "".join(sorted(ALL_SURNAMES - {"位"})) + "])"
# A given name is one or two characters that are not the words that usually follow a name.
# 栋 is not among them: a given name may end in it (国栋); a building's 栋 follows a numeral.
# 来 is no stop: given names end in it (福来, 宝来); 来问, 来报 … follow a name (name_full.py _AFTER_NAME).
STOP = "我住是的在叫姓啊呀吧呢了就要想家楼号幢座单元电话这那今昨你好嗯哦对不在问说打，。|"
# Characters that begin what the caller says next (雷鸣|带孩子, 韩梅|给你们, 我叫邓平|他叫…): a
# two-character given name does not end in one of them when the recogniser ran the name into the
# next words.
CLAUSE_START = set("带给跟和找也又还都去让把被从他她")
NUMERAL = "零一幺二两三四五六七八九十百千"
# A given name's character; 栋 before a numeral is a building (我上栋一单元, heard for 上 is no 尚栋).
GIVEN_CHAR = rf"(?:(?!栋[{NUMERAL}])[^{STOP}{NUMERAL}A-Za-z])"

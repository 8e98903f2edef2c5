"""R19: emergencies — gas smell, fire or smoke, serious flooding, people trapped in a lift, sparking
electrics: danger to people or property now. A planned outage or one flat without power is urgent
business, not an emergency. Read from the caller's words (the agent's questions may repeat them);
a danger the caller tells as past (last week's burst pipe, fixed since, 前两天, 昨儿, 困过人), supposed or
feared (万一 着火, 就怕…泡了, 会不会也烧起来), seen in the news or in another estate, or denies
(冇冒烟, 什么烟都没有) is not one now. Each cue is read on its shortest words (电梯里困了人 上个月也困过:
the cue ends before 上个月)."""

from __future__ import annotations

import re

from callcenter.tickets.extract.sounds import by_sound, sound_pattern
from callcenter.tickets.transcript import Transcript

# Each pattern is a present danger. The recogniser writes only words of its lexicon, so no non-word
# misspellings (a generator's 然气 for 燃气) are listed.
DANGERS: dict[str, re.Pattern[str]] = {
    # town gas carries an odorant that smells of rotten eggs: a caller who does not know it is gas
    # describes that smell, or the hiss of a leaking fitting
    "gas": re.compile(r"(燃气|煤气|天然气|液化气)[^。|]{0,6}?(味|泄漏|漏气|漏了|报警器[^。|]{0,4}?响)|"
                      r"一股[^。|]{0,3}?(煤气|燃气)|漏气|臭鸡蛋[^|]{0,4}?(味|气)|"
                      r"(燃气|煤气|天然气|热水器)[^|]{0,6}?嘶嘶"),
    "fire": re.compile(r"着火|着了|起火|失火|火灾|冒烟|浓烟|全是烟(?!味)|都是烟(?!味)|好多烟|很大的烟|一股烟|"
                       r"烧起来|"
                       r"烧着了|火苗|明火|黑烟|冒[^|]{0,2}?(黑|浓)?烟|火[^|]{0,2}?(蹿|窜)|着起来|"
                       r"(?<!抽)烟(?!味)[^|]{0,2}?(好大|很大|特别大|太大)|火(?!气)[^|]{0,2}?(好大|很大|特别大|挺大)|"
                       # a smoke alarm going off, not one to be fitted (建议装烟雾报警器)
                       r"烟雾报警器?[^|]{0,6}?(响|叫|鸣)"),
    # serious flooding: water still coming, not a drip (R19)
    "flood": re.compile(r"喷水|爆管|爆了|爆裂|水管裂|往下灌|水[^|]{0,4}?灌进|灌进[^|]{0,4}?水|淹了|淹到|水淹|"
                        r"流进电梯|流到电梯|止不住|关不住|漫到|"
                        r"水越来越大|哗哗|哗啦啦|进水了?[^|]{0,4}?(好多|很多|大量|全是)|好多水|"
                        r"水[^|]{0,6}?冲下来|泡了|泡水|"
                        r"(水|污水)[^|]{0,12}?往(下|外)(流|淌|冒|涌)|水[^|]{0,8}?(还在涨|越涨越)|"
                        # water let in from above, down a ceiling or into a light fitting
                        r"水[^|]{0,10}?往[^|]{0,4}?灌|往下(淌|流|冒|浇)水?|浇下来|"
                        # water at a light fitting, dripping in it or onto it (灯里头都在滴水, 吊灯往下滴)
                        r"灯(里|里面|里头|罩)?[^|]{0,3}?(都是|全是|进)水|灯(里|里面|里头|罩|上)?[^|]{0,4}?(滴|淌)|"
                        # water coming down like rain, more than the pots put out can catch
                        r"(漏|淌|浇|往下)[^|]{0,6}?(跟|像|和)下雨(一样|似的)|(盆|桶)[^|]{0,12}?接不(过来|住|完)|"
                        # water spraying out of a pipe, or running into a lift shaft
                        r"水[^|]{0,3}?喷|往电梯井|(流|灌)[^|]{0,3}?电梯井"),
    "lift": re.compile(r"电梯[^|]{0,20}?(困|关着|关住|出不来|卡住了|卡在[^|]{0,8}?(不动|中间)|"
                       r"停在[^|]{0,8}?中间)|(困|关|卡)在电梯|被困|"
                       r"电梯(里|里面|里头)[^|]{0,12}?(打不开|开不了|出不去)|电梯[^|]{0,10}?(下坠|往下掉|掉下去|冲顶|蹲底)|"
                       r"人在里面出不来|(里面|里头)[^|]{0,6}?出不来|喊救命|救命|"
                       # a lift stopped between floors with the caller in it
                       r"电梯(走|上|下|开|升|降)到一半[^|]{0,6}?(停|卡)|"
                       r"电梯(里|里面|里头)[^|]{0,30}?门[^|]{0,6}?(不开|打不开|开不了)"),
    # a live part: sparks, or current felt by someone touching a fitting
    # (打火 of a cooker or a water heater is its ignition, not a fault: only a fitting's sparks)
    "sparks": re.compile(r"火花|火星|(插座|插头|开关|电线|线路|电箱|电表|电闸|配电|电路)[^|]{0,6}?打火|"
                         r"冒[^|]{0,4}?火|电火花|滋滋[^|]{0,4}?(火|冒)|烧焦|焦[^|]{0,2}?味|糊味|"
                         r"触电|(碰|摸)[^|]{0,6}?(就麻|发麻|麻手|电到|电人)|"
                         r"(电线|电缆)[^|]{0,6}?(掉|断|垂)[^|]{0,4}?(地上|下来)"),
    # R19's "danger to people now": something about to fall on passers-by.
    "falling": re.compile(r"(掉|砸)下来[^|]{0,4}?砸|砸到人|砸伤人|要塌|塌下来|(要|快)(掉|塌|倒)下来|往下坠|"
                          r"摇摇欲坠|(外墙|瓷砖|玻璃|招牌|广告牌|外机|吊顶)[^|]{0,12}?(松|翘|裂)[^|]{0,12}?晃|"
                          # a facade shedding now; pieces still loose that the wind sways
                          r"(外墙|外立面|(?<!结)冰(?!箱|柜|淇)|冰溜子|冰挂|冰凌|冰锥)[^|]{0,6}?掉下来|(翘|松)(着|了|起来)[^|]{0,8}?(风一吹|一吹)[^|]{0,4}?(晃|摇)|"
                          r"(树|围墙|广告牌|招牌)[^|]{0,4}?(要倒|快倒)"),
    # R19's "danger to people now" that is not the building's: a person collapsed or shut in, or a
    # machine someone breathes by stopped (an outage is urgent business, this is an emergency)
    "person": re.compile(r"晕倒|昏倒|昏迷|倒在地上|不省人事|喘不上气|喘不过气|"
                         r"躺在地上[^|]{0,12}?(没反应|没有反应|不动|起不来|叫不醒)|叫不醒|"
                         r"叫(了)?(他|她)[^|]{0,3}?(没|不)(反应|醒)|"
                         r"(小孩|孩子|娃儿?|宝宝|老人)[^|]{0,8}?(锁在|反锁在|困在|关在)|"
                         r"(制氧机|呼吸机)[^|]{0,12}?(停|没电|断电)|(停电|没电|断电)[^|]{0,12}?(制氧机|呼吸机)"),
}
# Words that put a danger in the past or in a supposition: the caller is telling of yesterday's
# leak (fixed since) or of what might happen, not calling about a danger now (R19: "now").
_ANOTHER_TIME = re.compile(r"上次|上回|上个?(礼拜|星期|周|月)|昨天|前天|去年|前几天|前些天|那次|那回|"
                           # yesterday and the days before in regional words (昨夜, Beijing 昨儿 前儿,
                           # Cantonese 琴日 寻日 前日), and a count of days back (前两天)
                           r"昨晚|昨夜|昨儿|前儿|昨日|琴日|寻日|前日|前[一两三四五]天|前段时间|前阵子|"
                           # and in the north's words (Henan 夜儿个, Shaanxi 夜个, Jinan 夜来, 昨个), Wu 上趟
                           r"夜儿个|夜个|夜来|昨个|上趟|"
                           r"前年|以前|当时|万一|如果|要是|假如|防止|预防|演练|新闻|哪天|到时候|"
                           # someone else's story: seen in the media or told of another estate
                           r"电视上|抖音上|朋友圈|报道|别的小区|其他小区|隔壁小区|"
                           # a danger that has happened before, told as a story (着过一回火 … 烧起来)
                           r"(?:着|烧|淹|漏|爆|困|冒|炸)过(?:一|两|几|好几)(?:回|次|趟)|"
                           # a worry, not a danger (就怕…泡了, 会不会也烧起来)
                           # — but not a suspicion of now (担心是着火了, 会不会是煤气漏了)
                           r"(?:就怕|生怕|担心|会不会)(?![^|]?是)|怕会|怕要|怕被|"
                           # a planned outage's day, told before the danger it might bring
                           r"明天|后天|下个?(礼拜|星期|周|月)")
# A turn that opens with a past day (上礼拜四夜里 …, 对 我听说前年 …) tells that day's story to its
# end, however long, unless "now" is said in it (otherwise a cue reads _BEFORE characters back).
_TURN_OPENS_PAST = re.compile(r"[^|]{0,4}?(?:上次|上回|上个?(?:礼拜|星期|周|月)|昨天|前天|去年|前年|"
                              r"前几天|前些天|昨晚|昨夜|昨儿|前儿|昨日|琴日|寻日|前日|前[一两三四五]天|"
                              r"前段时间|前阵子|夜儿个|夜个|昨个|上趟)")
# Today said between a past day and the danger moves the story to now (上个月 … 今天 电梯 把 我 关 在
# 里面); said after the danger it is only when the caller calls (上礼拜 着火 了 今天 想 问 下 赔偿).
_TODAY = re.compile(r"今天|今早|今晚|今儿|今日|今朝|今个")
# A danger the caller thought there was (我还以为哪点着火了, 还以为水管又爆了): mistaken, said a few
# characters before the cue, with no turn of the story between (以为修好了 结果又漏了, 以为没事 可是
# 现在冒烟: a danger now).
# Or feared of what touching a thing might do (不敢动 怕喷水), said right before the cue; not 害怕,
# and not a fear of something else beside a danger now (不敢开灯 怕爆炸 … 煤气味好大).
_MISTAKEN = re.compile(r"以为(?:(?!结果|但|可|谁知|没想到|现在|其实|原来|果然|没|不|了)[^|]){0,6}$|"
                       r"(?<![害好])怕[^|]?$")
# A caller asking for someone at once tells of a danger now, whatever else they say of the past
# (快来看看 地下室 昨天 冻 的 水管 炸 了).
_HURRY = re.compile(r"快来|快点来|快过来|快点过来|赶紧来|赶紧过来|赶紧派|快派|快点派")
# 现在 followed by a negation is said of a danger over (现在 一点 味道 都 没得 了), not of one now.
# 在 right before a danger's verb is now as well (电箱 在 冒 火花), and so is a danger growing (味道 更
# 大 了): a worry or a past day said before them in the same turn does not make them supposed.
# 一直 is now when a danger's verb follows it (一直在冒烟, 一直往下流), not of what someone did then
# (保安 一直 敲门).
_NOW = re.compile(r"现在(?![^|]{0,8}(没|不|冇|莫得|木有|唔))|刚才|刚刚|正在|还在|越来越|这会儿|这回|这次|"
                  r"而家|宜家|依家|"  # Cantonese "now"
                  r"一直(?=[^|]{0,3}?(在|冒|漏|响|叫|流|淌|喷|烧|涨|往|有|闻|滴|出不|开不|打不|困|卡|停|哗))|"
                  r"在(?=冒|漏|烧|喷|淹|涨|往外)|更(?:大|浓|多|厉害|严重)|"
                  # still so after someone came (师傅看过说没事 … 味还是很大), not the 还是 of "or"
                  r"还是(?=[^|]?(?:很|好|那么|这么|特别|挺|大|浓|冒|漏|臭|响))")
# 又 says "now, again" when the danger follows it (又漏了, 又冒烟); not 又要 (to come), 又来 (someone
# came again), nor right after another time (昨天下午又停: yesterday's, again), nor a fault that
# keeps coming back (又成日停, 又经常卡: a complaint about a recurring fault, not a danger now).
_AGAIN = re.compile(r"又(?!要|会|来|成日|经常|老是|总是|天天|时不时)"
                    r"[^|]{0,2}(漏|冒|爆|着|烧|困|卡|停|响|喷|淹|灌|晃|掉|涨|闻到|开始)")
# 一直 and 正在 after 当时 or 后来 belong to the story told (困在里头 … 当时 … 一直在门口跟她说话).
_STORY = re.compile(r"当时|后来|那时候|那会儿")
_STORY_NOW = ("一直", "正在")
# Characters after another time within which 又 belongs to that time; not when the time is said of
# a thing (昨天修过的水管又爆了: the pipe fixed yesterday bursts again now).
_SAME_TIME = 6
_OVER = re.compile(r"(现在|已经)((?!没|不|还)[^|]){0,6}"
                   r"(修好了|弄好了|不漏了|救出来了|放出来了|没事了|灭了|散了)|"
                   r"(烟|火|味)[^|]{0,4}(散了|灭了)|现在[^|]{0,4}没[^|]{0,2}(味|烟|水)([^|]{0,2}了|(?=\||$))|"
                   r"现在[^|]{0,8}(没得|没有|木有|没)了")
# Hunan and Hubei 冒得 is 没有 before a noun (冒得烟, 冒得水): no danger; 烟冒得好大 is smoke pouring out.
_NONE_HUNAN = re.compile(r"冒得(?=[烟火水味气电])")
# A pot burning dry is over once the stove is turned off (… 焦味 … 把火关了); not a gas leak, which
# turning off the stove does not end.
_STOVE_OFF = re.compile(r"关了火|把火关了|火关了|关了煤气|把煤气关了")
# Water that runs down a wall or a window every summer is an air conditioner's, not a flood; a
# cistern that keeps running or a drain that backs up is a repair, unless it bursts or floods.
# Wind that pours in (风灌进来) through a broken pane is no water at all.
# Nor is the juice of an overfull bin (垃圾桶 冒尖了 往下淌水).
_HARMLESS = {"flood": re.compile(r"空调|冷凝|风[^|]{0,2}灌|灌风|冒尖|(垃圾|桶)[^|]{0,4}满")}
# Water standing in a hollow (坑里积了好多水) is a nuisance, not a flood, unless it floods.
_BLOCKED_OR_RUNNING = re.compile(r"水箱|马桶|地漏|下水|排水口|洗衣机|积")
# A blocked toilet or drain that spills over the floor (堵了 冲不下去 … 漫到地上), and fog condensing
# on a window and running down the wall (起雾 … 窗户上的水 往下流), are repairs too, unless the water
# bursts or floods: read further back in the turn.
_BLOCKED = re.compile(r"堵|大雾|起雾|结露|返潮")
_BLOCKED_BEFORE = 16
_STILL_A_FLOOD = re.compile(r"爆|淹|灌|喷|泡|涨")
# The caller saying there is none of it at all after the cue, in the same turn (烟雾报警器 一直 叫 …
# 什么 烟 都 没有: an alarm's battery, no smoke).
_NONE_AT_ALL = {kind: re.compile(rf"(?:什么|啥|一点|半点)?(?:{what})[^|]{{0,2}}(?:都|也)"
                                 r"(?:没有|没得|没|冇得?|莫得|木有|冒得)|"
                                 # or looked and saw none (开门看了 也没见烟, 没闻到味)
                                 rf"(?:没|冇|木有|没有)(?:{seen})")
                for kind, what, seen in (("fire", "烟|火", "(?:见|看见|看到|见着|看着)烟(?!味)"),
                                         ("gas", "味道?|气味", "(?:闻到|闻着)(?:味|气味)"))}
# A lift stopped with no one in it (电梯停在一楼不动了 … 里面没人): a repair, not people trapped; said at
# the end of what the caller says (not 里面没人应, no one answering).
_NONE_AT_ALL["lift"] = re.compile(r"(?:电梯)?(?:里面|里头|里边)(?:没有?人|冇人|没得人|木有人|莫得人)"
                                  r"(?=[了的啊呀]?(?:\||$))")
# 过 after a count, people or the turn's end is the experiential 过 (困过人, 淹过两次); 淹过脚踝 is over.
_EVER = re.compile(r"过(?=人|[一两几三四五六七八九十]|好几|很多|不少|$|\|)")
_BEFORE, _AFTER = 24, 30  # characters of the caller's words read on either side of a danger
# A negation just before the cue, in dialect too (冇冒烟, 莫得水, 唔係), perhaps before a word of
# degree or kind (不是那种哗哗的, 没有那么大的烟).
_NEGATED = re.compile(r"(没有|没|不是|并没有|无|不|没啥|没什么|冇得?|莫得|木有|冒得|唔係|唔)"
                      r"(那种|这种|那么|这么|很|太|特别)?$")


def _alternatives(source: str) -> list[str]:
    """A pattern's top-level alternatives (a | inside (...) or [...] belongs to its group)."""
    parts, depth, in_class, start = [], 0, False, 0
    for index, ch in enumerate(source):
        escaped = index > 0 and source[index - 1] == "\\"
        if escaped:
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif not in_class and ch == "(":
            depth += 1
        elif not in_class and ch == ")":
            depth -= 1
        elif not in_class and depth == 0 and ch == "|":
            parts.append(source[start:index])
            start = index + 1
    return [*parts, source[start:]]


_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _heard_alike(alternative: str) -> bool:
    """Cues matched by sound too: those with at least two meaningful characters, so that a
    common word of the same sound (找了 for 着了) does not raise an alarm."""
    return len(_CHINESE.findall(_CLASS.sub("", alternative).replace("了", ""))) >= 2


_CLASS = re.compile(r"\[[^\]]*\]")
# Cues whose sound is also that of everyday words (出电梯 and 出电话 sound like 触电, 找起来 like
# 着起来, 黑眼圈 like 黑烟, 书快到了 like 树快倒, 抽烟到处 like 淹到): matched only as written.
# Everyday words that sound like a cue's word (保管 like 爆管, 电箱 like 电线): written so by the
# recogniser, they were said, and a heard match through them is no cue: also 满到 (full to the
# brim) for 漫到, and the dialect negation 冇 (mǎo) for 冒.
# And the seasonings 辣椒, 花椒, 胡椒 (椒 sounds like 焦): a cooking smell (辣椒油烟味) is no burning.
_SOUND_ALIKE_WORDS = ("保管", "电箱", "满到", "冇", "辣椒", "花椒", "胡椒", "青椒", "椒盐")
_WRITTEN_ONLY = frozenset({"触电", "着起来", "黑烟", "淹到", "(树|围墙|广告牌|招牌)[^|]{0,4}(要倒|快倒)"})
# The same dangers, heard: each cue matched by its sound, with the characters it is written with.
_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")


def _cue_characters(alternative: str) -> frozenset[str]:
    """The characters one of which a heard match must have as written: those of the cue's words of
    two or more characters when it has such words (水[^|]{0,4}灌进: 灌 or 进, so that 水管今 heard as
    水…灌进 is none), else all its characters."""
    words = _WORD.findall(_CLASS.sub("", alternative))
    return frozenset("".join(words) or "".join(_CHINESE.findall(alternative))) - _FUNCTION_WORDS


# Characters that say nothing of a danger: a heard match written with only these is none (胶不行 heard as
# 叫不醒 has 不 as written).
_FUNCTION_WORDS = frozenset("不没了的在一")
HEARD: dict[str, list[tuple[re.Pattern[str], frozenset[str]]]] = {
    kind: [(sound_pattern(a), _cue_characters(a)) for a in _alternatives(pattern.pattern)
           if _heard_alike(a) and a.strip() not in _WRITTEN_ONLY]
    for kind, pattern in DANGERS.items()
}


def _present(kind: str, pattern: re.Pattern[str], text: str, written: str | None = None,
             cue: frozenset[str] = frozenset()) -> bool:
    """A match not negated just before it (the negation read in the written words). Matched by
    sound, at least one character must be written as in the cue: a recogniser rarely mishears
    every character of a word, while a different word of the same sound (盲道 for 漫到) has none."""
    written = text if written is None else written
    for match in pattern.finditer(text):
        if _denied(kind, written, match.start(), match.end()):
            continue
        if cue and (not cue & set(written[match.start():match.end()])
                    or _sound_alike_word(written, match.start(), match.end())):
            continue
        if _not_now(written, match.start(), match.end()) \
                or _NONE_HUNAN.search(written, match.start(), match.end()):
            continue
        if kind != "gas" and _STOVE_OFF.search(written, match.start(), match.end() + _AFTER):
            continue
        harmless = _HARMLESS.get(kind)
        near = written[max(0, match.start() - 8):match.end()]
        if harmless and harmless.search(near):
            continue
        turn_start = written.rfind("|", 0, match.start()) + 1
        blocked = _BLOCKED_OR_RUNNING.search(near) or \
            _BLOCKED.search(written, max(turn_start, match.start() - _BLOCKED_BEFORE), match.end())
        if kind == "flood" and blocked \
                and not _STILL_A_FLOOD.search(written[match.start():match.end()]):
            continue
        return True
    return False


def _sound_alike_word(written: str, start: int, end: int) -> bool:
    """An everyday word that sounds like a cue's word, written within or across the heard match
    (辣椒油烟味: 椒 of 辣椒 begins the match heard as 焦…味)."""
    # every place the word is written in this reach overlaps the match
    return any(word in written[max(0, start - len(word) + 1):end + len(word) - 1]
               for word in _SOUND_ALIKE_WORDS)


def _denied(kind: str, written: str, start: int, end: int) -> bool:
    """The caller says there is no such danger: a negation just before the cue (冇冒烟), or none of
    it at all later in the same turn (什么烟都没有)."""
    if _NEGATED.search(written[max(0, start - 6):start]):
        return True
    none = _NONE_AT_ALL.get(kind)
    turn_end = written.find("|", end)
    return bool(none and none.search(written, end, len(written) if turn_end < 0 else turn_end))


def _not_now(written: str, start: int, end: int) -> bool:
    """The danger at written[start:end] is said to be over in or after it (in the caller's next
    words too), or told as past or supposed: another time named before it in the same turn or
    inside the cue's own words (电梯昨天下午又停在半中间), with nothing saying "now" between them or
    after it in the turn (前几天 漏气 现在 还在 漏 is now)."""
    if _OVER.search(written, start, end + _AFTER):
        return True
    turn_start = written.rfind("|", 0, start) + 1
    turn_end = written.find("|", end)
    turn_end = len(written) if turn_end < 0 else turn_end
    if _HURRY.search(written, turn_start, turn_end):
        return False
    if _MISTAKEN.search(written, turn_start, start):
        return True
    opens_past = _TURN_OPENS_PAST.match(written, turn_start)
    reach = turn_start if opens_past else max(turn_start, start - _BEFORE)
    other = list(_ANOTHER_TIME.finditer(written, reach, end))
    # the cue's verb with the experiential 过: it has happened before
    ever = _EVER.match(written, end)
    if not other and not ever:
        return False
    since, rest_end = ever.end() if ever else other[-1].end(), min(turn_end, end + _AFTER)

    def said(pattern: re.Pattern[str], lo: int, hi: int, skip: int = 0) -> bool:
        # read on the whole text, so that a lookahead sees past hi (现在 … 没得了)
        return any((lo + skip <= m.start() or "的" in written[lo:m.start()]) and lo <= m.start() < hi
                   and not (m.group().startswith(_STORY_NOW) and _STORY.search(written, since, m.start()))
                   for m in pattern.finditer(written, lo))

    return not (said(_NOW, since, end) or said(_AGAIN, since, end, _SAME_TIME) or said(_TODAY, since, end)
                or said(_NOW, end, rest_end) or said(_AGAIN, end, rest_end))


def emergency_kinds(transcript: Transcript) -> list[str]:
    return kinds_in(transcript.words("caller"))


def kinds_in(text: str) -> list[str]:
    """The dangers the caller's words name (joined words, turns separated by ``|``); also read on
    live partial results (issue 17)."""
    heard = by_sound(text)
    return [kind for kind, pattern in DANGERS.items()
            if _present(kind, pattern, text)
            or any(_present(kind, sound, heard, text, cue) for sound, cue in HEARD[kind])]


def told_not_now(text: str) -> bool:
    """The caller's words (joined, turns separated by ``|``) name a danger the rules read as over,
    past, supposed or denied (冇冒烟), or say there is no smoke or smell at all (啥味也没有, 没见烟):
    no learned signal may make such a call urgent (tickets/urgent_model.py)."""
    return any(_not_now(text, m.start(), m.end()) or _denied(kind, text, m.start(), m.end())
               for kind, p in DANGERS.items() for m in p.finditer(text)) \
        or any(none.search(text) for none in _NONE_AT_ALL.values())


def is_emergency(transcript: Transcript) -> bool:
    return bool(emergency_kinds(transcript))

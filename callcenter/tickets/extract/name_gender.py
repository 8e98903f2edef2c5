"""R4: the title a caller's surname takes when the agent never says one (先生 / 女士), from what the
caller says of themselves: their spouse (我老公 → 女士, 我老婆 / 我媳妇 → 先生) or what they are (我一个
老汉, 我是三车间的女工, 我一个老太婆, 我一个女孩子住). 我老汉 alone is left out: in the north-west it is
"my husband", in the south-west "my father"; so is 我爱人 / 我对象, said of a husband or a wife alike."""

from __future__ import annotations

import re

# 我儿媳妇 (a daughter-in-law) does not match 我媳妇; 我老公公 (a father-in-law) not 我老公.
_WOMAN = re.compile(r"我(?:老公(?!公)|丈夫|男人(?!们))|我家老头(?:子|儿)?|"
                    r"我(?:是|一个|这个|这|姓.)[^|我]{0,8}?(?:女工|女的|女人|老太婆|老婆子|老太太|妇女|当妈的|宝妈|女孩子?|女生|小姑娘)")
_MAN = re.compile(r"我(?:老婆|媳妇|妻子|婆娘)|我家老太婆|我家老婆子|"
                  r"我(?:是|一个|这个|这|姓.)[^|我]{0,8}?(?:老汉|老头子?|男的|男人|男工|大老爷们|当爹的|男孩子?|男生|小伙子)")


def own_title(caller_turns: list[str]) -> str | None:
    """先生 or 女士 when the caller's words (Mandarin, joined) say which, and say only one."""
    woman = any(_WOMAN.search(text) for text in caller_turns)
    man = any(_MAN.search(text) for text in caller_turns)
    return "女士" if woman and not man else "先生" if man and not woman else None
